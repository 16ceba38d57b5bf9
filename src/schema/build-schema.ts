import 'reflect-metadata';
import { defaultFieldResolver, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { applyMiddleware } from 'graphql-middleware';
import { DateTimeISOResolver } from 'graphql-scalars';
import { resolvers } from '../resolvers';
import { permissions } from '../permissions';
import type { Ctx } from '../context';
import { runAsActor } from '../services/audit-context';
import { validateArgument } from './argument-validation';

/**
 * Every root Mutation field runs with its actor in the async context, so its changes are audited.
 * Wrapped on the Mutation fields only: a global middleware would sit on every field of every
 * result (event delivery included).
 */
function runMutationsAsActor(mutation: GraphQLObjectType | null | undefined): void {
  for (const field of Object.values(mutation?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: Ctx, info) => {
      const v = context.viewer;
      return runAsActor(
        { actorId: v?.userId ?? null, actorLogin: v?.login ?? null, sessionId: v?.sessionId ?? null, ip: context.ip, operation: info.fieldName },
        () => resolve(source, args, context, info),
      );
    };
  }
}

/** The schema without permissions: what `schema.graphql` documents. */
export async function buildBaseSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeISOResolver }],
    // class-validator bounds on arguments come back as BAD_USER_INPUT with `field`, not its internals.
    validateFn: validateArgument,
    emitSchemaFile: false,
    // Subscriptions bring their own event source (src/subscriptions/event-hub.ts); type-graphql
    // insists on a pubSub all the same.
    pubSub: { publish: () => undefined, subscribe: () => { throw new Error('no topics: subscriptions use the event hub'); } },
  });
  const roots: [GraphQLObjectType | null | undefined, string][] = [
    [schema.getQueryType(), 'Reads. Lists are scoped to what the viewer may see.'],
    [schema.getMutationType(), 'Writes: one mutation per business action; expected failures come back as `userErrors` and change nothing.'],
    [schema.getSubscriptionType(), 'Live updates over graphql-ws.'],
  ];
  for (const [type, description] of roots) if (type) type.description = description;
  runMutationsAsActor(schema.getMutationType());
  return schema;
}

/** The executable schema: base schema with the shield permission layer applied. */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  return applyMiddleware(await buildBaseSchema(), permissions);
}
