/**
 * Writes the gateway's OpenAPI document (built from its route table, no network needed) to the
 * file named, or to standard output: `npx tsx scripts/openapi.ts [file]`.
 */
import { writeFileSync } from 'node:fs';
import { apiDocument } from '../gateway-api/src/api-document';

const text = `${JSON.stringify(apiDocument(), null, 2)}\n`;
const file = process.argv[2];
if (file) writeFileSync(file, text);
else process.stdout.write(text);
