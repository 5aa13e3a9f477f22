#!/usr/bin/env -S node --import tsx
/**
 * CDK entry point (cdk.json: "app"). Parameters come from context: `npx cdk deploy -c detectorMode=gpu|cpu
 * -c webOrigins=https://app.example.com ...` (docs/deploy.md lists them all).
 */
import { buildApp } from '../lib/app.ts';

buildApp();
