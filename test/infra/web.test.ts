/**
 * The web app's AWS resources by behaviour: a private bucket read only by CloudFront through origin access
 * control, security headers with the app's CSP, the SPA fallback on the app behaviour only, the API under /v1/*
 * on the same origin (uncached, Authorization and cookies forwarded), config.json written with that origin, the
 * upload bucket's CORS allowing it, and no web resources when -c webApp=false.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../functions/shared/web-headers.ts';
import {
  BASE_CONTEXT,
  logicalId,
  removeSynthOutputs,
  synth,
  unacknowledgedFindings,
  type Synthesized,
} from './synth.ts';

let s: Synthesized;
let distributionId: string;

beforeAll(() => {
  s = synth(BASE_CONTEXT);
  distributionId = logicalId(s, s.stack.web!.distribution);
}, 180_000);
afterAll(() => removeSynthOutputs());

const distributionConfig = () =>
  Object.values(s.template.findResources('AWS::CloudFront::Distribution'))[0]!.Properties.DistributionConfig;

describe('web app in AWS', () => {
  it('keeps the bucket private and lets only this distribution read it, through OAC', () => {
    const bucketId = logicalId(s, s.stack.web!.bucket);
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'web-bucket/' },
    });
    s.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    const s3Origin = distributionConfig().Origins.find((o: any) => o.S3OriginConfig);
    expect(s3Origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Id'] });
    expect(s3Origin.S3OriginConfig.OriginAccessIdentity).toBe('');
    s.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: {
              StringEquals: {
                'AWS:SourceArn': Match.objectLike({
                  'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: distributionId }])]),
                }),
              },
            },
          }),
        ]),
      },
    });
  });

  it('sends the security headers with the app’s CSP on the app', () => {
    const [policy] = Object.values(s.template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const config = policy!.Properties.ResponseHeadersPolicyConfig;
    const csp = s.stack.resolve(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
    const text = JSON.stringify(csp);
    expect(text).toContain("script-src 'self'");
    expect(text).toContain("frame-ancestors 'none'");
    expect(text).not.toContain('unsafe-inline');
    expect(text).toContain('.s3.');
    expect(config.SecurityHeadersConfig).toMatchObject({
      FrameOptions: { FrameOption: 'DENY' },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true },
    });
    expect(contentSecurityPolicy([])).toContain("connect-src 'self'");
  });

  it('falls back to index.html for app paths, on the app behaviour only', () => {
    const config = distributionConfig();
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: expect.anything() },
    ]);
    const [fn] = Object.values(s.template.findResources('AWS::CloudFront::Function'));
    expect(fn!.Properties.FunctionCode).toContain("request.uri = '/index.html'");
    expect(config.CustomErrorResponses).toBeUndefined(); // they would rewrite the API's 403/404 too
    expect(config.Logging).toMatchObject({ Prefix: 'cdn/' });
  });

  it('serves the API under /v1/* on the same origin, uncached, with Authorization and cookies', () => {
    const config = distributionConfig();
    const api = config.CacheBehaviors.find((b: any) => b.PathPattern === '/v1/*');
    expect(api).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: expect.arrayContaining(['GET', 'POST', 'DELETE', 'OPTIONS']),
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // AllViewerExceptHostHeader
    });
    expect(api.FunctionAssociations).toBeUndefined();
    const origin = config.Origins.find((o: any) => o.Id === api.TargetOriginId);
    expect(JSON.stringify(origin.DomainName)).toContain(logicalId(s, s.stack.api.httpApi));
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    s.template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        DefaultTTL: 0,
        MinTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
        },
      },
    });
  });

  it('writes config.json with the distribution’s origin and deploys the built app, pages revalidated', () => {
    const deployments = Object.values(s.template.findResources('Custom::CDKBucketDeployment')).map(
      (d) => d.Properties,
    );
    expect(deployments).toHaveLength(2);
    const bucket = { Ref: logicalId(s, s.stack.web!.bucket) };
    const assets = deployments.find((d) => d.DestinationBucketKeyPrefix === 'assets/')!;
    const pages = deployments.find((d) => d.DestinationBucketKeyPrefix === undefined)!;
    expect(assets).toMatchObject({ DestinationBucketName: bucket, Prune: false });
    expect(assets.SystemMetadata['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(pages).toMatchObject({ DestinationBucketName: bucket, Prune: false });
    expect(pages.SystemMetadata['cache-control']).toBe('no-cache');
    expect(JSON.stringify(pages.SourceMarkers)).toContain(distributionId);
    expect(JSON.stringify(pages.SourceMarkers)).toContain('DomainName');
    expect(JSON.stringify(deployments)).not.toContain('DistributionId');
  });

  it('lets the app’s origin POST to the upload bucket', () => {
    s.template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: Match.arrayWith([
          Match.objectLike({
            AllowedMethods: ['POST'],
            AllowedOrigins: [
              { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] },
            ],
          }),
        ]),
      },
    });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(unacknowledgedFindings(s.app)).toEqual([]);
  });

  it('creates no web resources with -c webApp=false', () => {
    const without = synth({ ...BASE_CONTEXT, webApp: 'false' });
    without.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    without.template.resourceCountIs('Custom::CDKBucketDeployment', 0);
    expect(without.stack.web).toBeUndefined();
  }, 120_000);
});
