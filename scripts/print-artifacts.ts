import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildBaseSchema } from '../src/schema/build-schema';
import { ruleMap } from '../src/permissions';
import { formatRuleTable, ruleTable } from '../src/permissions/describe';

/** Regenerates the committed schema.graphql and the permission snapshot; review the diff. */
export async function artifacts() {
  const schema = await buildBaseSchema();
  return {
    sdl: `${printSchema(lexicographicSortSchema(schema))}\n`,
    permissions: formatRuleTable(ruleTable(schema, ruleMap)),
  };
}

export const ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '.');
export const SDL_PATH = path.join(ROOT, 'schema.graphql');
export const PERMISSIONS_PATH = path.join(ROOT, 'src', 'permissions', 'permissions.snapshot.txt');

if (require.main === module) {
  artifacts().then(({ sdl, permissions }) => {
    fs.writeFileSync(SDL_PATH, sdl);
    fs.writeFileSync(PERMISSIONS_PATH, permissions);
    process.stdout.write(`wrote ${path.relative(ROOT, SDL_PATH)} and ${path.relative(ROOT, PERMISSIONS_PATH)}\n`);
  });
}
