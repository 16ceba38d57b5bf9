import { DocumentNode, GraphQLError, GraphQLSchema, parse, validate, specifiedRules, ValidationRule, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { AppConfig } from '../config';

/**
 * Validation rules applied identically on HTTP and on the WebSocket (Apollo's plugins do not run
 * there): depth, aliases, cost, introspection policy. (Filled in by the limits module.)
 */
export function limitRules(config: AppConfig): ValidationRule[] {
  return config.introspection ? [] : [NoSchemaIntrospectionCustomRule];
}

/** Parses with the token limit and validates with the standard rules plus `limitRules`. */
export function parseAndValidate(schema: GraphQLSchema, source: string, config: AppConfig): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(source, parseOptions(config));
  } catch (e) {
    return { errors: [e as GraphQLError] };
  }
  const errors = validate(schema, document, [...specifiedRules, ...limitRules(config)]);
  return errors.length ? { errors } : { document };
}

/** Parser options shared by both transports (the token limit is a parser option in graphql-js). */
export function parseOptions(config: AppConfig) {
  return { maxTokens: config.limits.maxTokens };
}
