import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types and typed documents of the example client, from the committed `schema.graphql` and the
 * operations in `src/operations.graphql`. Run from the repository root: `npm run example:codegen`.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['examples/diary-client/src/operations.graphql'],
  generates: {
    'examples/diary-client/src/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        // The server's custom scalars travel as strings (ISO 8601 dates and times, a JSON object).
        scalars: {
          DateTimeISO: 'string',
          LocalDate: 'string',
          LocalTime: 'string',
          JSONObject: 'Record<string, unknown>',
        },
        strictScalars: true,
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
