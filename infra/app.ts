/**
 * `cdk.json` entry point (`npx tsx infra/app.ts`). Context comes from cdk.json and `-c key=value`; see
 * infra/config.ts for the keys. Synth needs no AWS credentials: the stack is env-agnostic.
 */
import { createApp } from './application';

createApp().app.synth();
