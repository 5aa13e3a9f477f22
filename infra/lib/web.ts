import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { contentSecurityPolicy, PERMISSIONS_POLICY } from '../../functions/shared/web-headers.ts';
import { REPO_ROOT } from './config.ts';

export interface WebAppProps {
  /** The HTTP API, served under /v1/* on the app's own origin. */
  httpApi: apigw.IHttpApi;
  /** Where the web bucket writes its S3 server access logs. */
  accessLogBucket: s3.IBucket;
  /** The built app; built from web/ at synthesis when stale (scripts/build-web.mjs). */
  distDir?: string;
  /** Other origins the page connects to (the streaming service's wss:// origin when it has its own). */
  connectSources?: string[];
}

/**
 * SPA fallback at the edge: a path whose last segment has no file extension (/jobs/{id}, /model) gets index.html.
 * Only on the default (S3) behaviour, so the API's own 404s under /v1/* stay as they are.
 */
const SPA_FALLBACK = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/**
 * The web app in AWS: a private bucket read by CloudFront through origin access control, security headers (the CSP
 * of functions/shared/web-headers.ts, HSTS, no framing), the SPA fallback, and the API under /v1/* on the same
 * origin. Same origin matters: the refresh cookie is SameSite=Strict and scoped to /v1/auth/refresh, so it must be
 * first-party, and the app then needs no CORS for its API calls. The deployment writes config.json with that origin.
 */
export class WebApp extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<distribution domain>: what the upload bucket's CORS must allow. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const distDir = props.distDir ?? ensureWebBuild();

    this.bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'web-bucket/',
      // The app is rebuilt from the repository on every deploy; nothing in this bucket is user data.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // CloudFront standard logs need a bucket with ACLs enabled, unlike the upload bucket's access-log bucket.
    const cdnLogs = new s3.Bucket(this, 'CdnLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-cdn-logs', expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(cdnLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the CloudFront access logs; logging it to itself would loop.',
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'RealTone web app: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        // The browser POSTs uploads straight to the upload bucket (presigned form). Naming that bucket here would
        // make a dependency cycle (its CORS names this distribution), so the region's S3 endpoints are allowed.
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy([
            `https://*.s3.${Aws.REGION}.${Aws.URL_SUFFIX}`,
            `https://*.s3.${Aws.URL_SUFFIX}`,
            ...(props.connectSources ?? []),
          ]),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: PERMISSIONS_POLICY, override: true },
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
        ],
      },
    });

    // The API passes through uncached: Authorization must be in the cache key to reach the origin on GET, and the
    // API answers no-store anyway. The origin request policy forwards the cookie (refresh) and the query string.
    const apiPassThrough = new cloudfront.CachePolicy(this, 'ApiPassThrough', {
      comment: 'RealTone API through CloudFront: not cached, Authorization forwarded',
      defaultTtl: Duration.seconds(0),
      minTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'RealTone web app and API',
      defaultRootObject: 'index.html',
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: cdnLogs,
      logFilePrefix: 'cdn/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'SpaFallback', {
              comment: 'RealTone: app paths without a file extension get index.html',
              code: cloudfront.FunctionCode.fromInline(SPA_FALLBACK),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
            }),
          },
        ],
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new origins.HttpOrigin(
            `${props.httpApi.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`,
            {
              protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
              originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
            },
          ),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: apiPassThrough,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        },
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;

    // Two copies with their own caching, and no CloudFront invalidation (BucketDeployment would grant it on *):
    // hashed assets are immutable; the pages, config.json and the model card are revalidated on every visit.
    // Neither prunes: an open tab of the previous release can still load its chunks.
    new s3deploy.BucketDeployment(this, 'DeployAssets', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'assets/',
      sources: [s3deploy.Source.asset(path.join(distDir, 'assets'))],
      cacheControl: [
        s3deploy.CacheControl.setPublic(),
        s3deploy.CacheControl.maxAge(Duration.days(365)),
        s3deploy.CacheControl.immutable(),
      ],
      prune: false,
      retainOnDelete: false,
      memoryLimit: 256,
    });
    new s3deploy.BucketDeployment(this, 'DeployPages', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(distDir, { exclude: ['assets', 'assets/*', '.build-hash'] }),
        // The API is this origin (CloudFront's /v1/* behaviour).
        s3deploy.Source.jsonData('config.json', { apiOrigin: this.origin }),
      ],
      cacheControl: [s3deploy.CacheControl.noCache()],
      prune: false,
      retainOnDelete: false,
      memoryLimit: 256,
    });

    new CfnOutput(scope, 'WebUrl', {
      value: this.origin,
      description: 'The RealTone web app (and the API under /v1/)',
    });

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'RealTone serves every country; operators who must restrict add a geo restriction.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF by default (about US$6 a month before requests, more than the idle stack): the API has its own ' +
          'login throttling and API Gateway throttling. docs/web.md explains adding a web ACL.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate cannot enforce TLSv1.2 (CloudFront allows TLSv1 with it); a ' +
          'custom domain with its own certificate gets the configured TLSv1.2_2021 policy.',
      },
    );
  }
}

/** Builds web/ into web/dist unless the build is current (a hash of its sources); returns the directory. */
function ensureWebBuild(): string {
  const run = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/build-web.mjs')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the web app did not build (scripts/build-web.mjs):\n${run.stderr}`);
  return path.join(REPO_ROOT, 'web', 'dist');
}
