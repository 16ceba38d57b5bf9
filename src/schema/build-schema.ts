import 'reflect-metadata';
import { defaultFieldResolver, GraphQLObjectType, GraphQLSchema, type GraphQLFieldResolver } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { resolvers } from '../resolvers';
import { applyPermissions } from '../permissions';
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

type Resolve = GraphQLFieldResolver<unknown, Ctx>;
interface ParamMeta { kind: string; index: number; name?: string; propertyName?: string; getType?: () => unknown }
interface FieldMeta { target: Function; name: string; schemaName: string; params?: ParamMeta[]; middlewares?: unknown[]; roles?: unknown[]; simple?: boolean }
interface FieldResolverMeta { kind: string; target: Function; methodName: string; getObjectType?: () => Function; params?: ParamMeta[]; middlewares?: unknown[]; roles?: unknown[] }

/**
 * type-graphql resolves every field through a generic wrapper: per field and row it allocates its
 * resolver data, looks the resolver instance up in a list, sorts and maps the parameter list, and for
 * a plain property runs an empty middleware chain. A class journal page resolves some 10,000 fields.
 * Where the schema uses none of what the wrapper serves — no middlewares, roles or arguments (those
 * keep the wrapper, with its argument conversion and validation) — the field gets the equivalent
 * direct function: a property read, or the resolver method called with its root, context and info.
 * A root that is not an instance of its type (type-graphql would convert it) goes the generic way.
 */
function directResolvers(schema: GraphQLSchema): void {
  const storage = getMetadataStorage() as unknown as {
    objectTypes: { name: string; target: Function; fields?: FieldMeta[]; interfaceClasses?: Function[]; simpleResolvers?: boolean }[];
    interfaceTypes: { target: Function; fields?: FieldMeta[] }[];
    fieldResolvers: FieldResolverMeta[];
  };
  const ours = new Set<Function>(resolvers);
  const instances = new Map<Function, Record<string, (...args: unknown[]) => unknown>>();
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!(type instanceof GraphQLObjectType)) continue;
    // As type-graphql's generator: the implemented interfaces' fields, then the type's own.
    const metas = new Map<string, FieldMeta>();
    for (const i of objectType.interfaceClasses ?? []) {
      for (const f of storage.interfaceTypes.find((it) => it.target === i)?.fields ?? []) metas.set(f.schemaName, f);
    }
    for (const f of objectType.fields ?? []) metas.set(f.schemaName, f);
    const fields = type.getFields();
    for (const [schemaName, meta] of metas) {
      const field = fields[schemaName];
      if (!field?.resolve || meta.middlewares?.length || meta.roles) continue;
      const resolver = storage.fieldResolvers.find((r) => (r.kind === 'internal' || ours.has(r.target))
        && r.getObjectType?.() === meta.target && r.methodName === meta.name);
      if (!resolver) {
        if (meta.simple || objectType.simpleResolvers || meta.params?.length) continue;
        const name = meta.name;
        field.resolve = (root) => (root as Record<string, unknown>)[name];
        continue;
      }
      if (resolver.middlewares?.length || resolver.roles) continue;
      if (resolver.kind === 'internal') {
        // A getter of the type's class (e.g. Node's `id`): its value, read from an instance.
        const objectClass = resolver.getObjectType!();
        const name = resolver.methodName;
        const generic = field.resolve as Resolve;
        field.resolve = (root, args, ctx, info) => {
          if (root instanceof objectClass) {
            const v = (root as Record<string, unknown>)[name];
            if (typeof v !== 'function') return v;
          }
          return generic(root, args, ctx, info);
        };
        continue;
      }
      if (resolver.kind !== 'external') continue;
      const params = [...(resolver.params ?? [])].sort((a, b) => a.index - b.index);
      if (!params.every((p) => !p.propertyName && ['root', 'context', 'info', 'arg'].includes(p.kind))) continue;
      // Arguments pass as they are when their value is a scalar (null included): type-graphql's
      // conversion keeps it and its validation (validateArgument) checks objects only.
      const argNames = params.filter((p) => p.kind === 'arg').map((p) => p.name!);
      const scalarArgs = (args: Record<string, unknown>) => argNames.every((n) => args[n] == null || typeof args[n] !== 'object');
      const rootParam = params.find((p) => p.kind === 'root');
      const rootType = rootParam?.getType?.();
      const objectClass = resolver.getObjectType!();
      let instance = instances.get(resolver.target);
      if (!instance) instances.set(resolver.target, (instance = new (resolver.target as new () => Record<string, (...args: unknown[]) => unknown>)()));
      const method = instance[resolver.methodName];
      const target = instance;
      const generic = field.resolve as Resolve;
      const isInstance = (root: unknown) => root instanceof objectClass && (typeof rootType !== 'function' || root instanceof rootType);
      field.resolve = params.map((p) => p.kind).join() === 'root,context'
        ? (root, args, ctx, info) => (isInstance(root) ? method.call(target, root, ctx) : generic(root, args, ctx, info))
        : (root, args, ctx, info) => (isInstance(root) && scalarArgs(args)
          ? method.apply(target, params.map((p) => (p.kind === 'root' ? root : p.kind === 'context' ? ctx : p.kind === 'info' ? info : args[p.name!])))
          : generic(root, args, ctx, info));
    }
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
  directResolvers(schema);
  runMutationsAsActor(schema.getMutationType());
  return schema;
}

/** The executable schema: base schema with the shield permission layer applied. */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  return applyPermissions(await buildBaseSchema());
}
