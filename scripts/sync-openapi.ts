import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { specJsonSchema } from '../functions/core/spec';

/**
 * `npx tsx scripts/sync-openapi.ts`: writes the spec's JSON Schema into openapi.yaml's
 * components.schemas.BuildSpec (comments and the rest of the document kept). test/unit/api/openapi.test.ts
 * fails until the two agree.
 */
const file = 'openapi.yaml';
const document = parseDocument(readFileSync(file, 'utf8'));
// OpenAPI 3.0 schema objects take no `$schema` (the JSON Schema draft): everything else goes in as it is.
const schema: Record<string, unknown> = { ...specJsonSchema() };
delete schema.$schema;
document.setIn(['components', 'schemas', 'BuildSpec'], document.createNode(schema));
writeFileSync(file, document.toString({ lineWidth: 0 }));
console.log(`${file}: components.schemas.BuildSpec updated`);
