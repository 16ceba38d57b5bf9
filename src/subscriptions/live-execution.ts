import { execute, getOperationAST, Kind, visit, type ASTNode, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Ctx, LiveOperation, Viewer } from '../context';
import type { Loaders } from '../loaders';
import type { LiveEvent } from './event-subscription';

/** What the server gives live delivery to execute events with. */
export interface LiveRuntime {
  schema: GraphQLSchema;
  /** Whether `ctx`'s viewer may see `object` (of registered node type `type`), as `node(id)` decides it. */
  visible(ctx: Ctx, type: string, object: unknown): Promise<boolean>;
  /** A result as the client may see it (errors formatted as over HTTP). */
  format(result: ExecutionResult): ExecutionResult;
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 1;
const payloadVariableNames = new WeakMap<DocumentNode, Map<string, string[]>>();

/**
 * The variables that can change the bytes of a delivered event: every variable of the operation
 * except those used only in the subscription field's own arguments (`studentId`, `after`), which pick
 * the stream and the starting cursor, not what is sent for an event. When the root selection is not
 * a plain field (a fragment at the root), all of them.
 */
export function payloadVariables(document: DocumentNode, operationName: string | null | undefined): string[] {
  let byOperation = payloadVariableNames.get(document);
  if (!byOperation) payloadVariableNames.set(document, (byOperation = new Map()));
  const key = operationName ?? '';
  const known = byOperation.get(key);
  if (known) return known;
  const op = getOperationAST(document, operationName);
  const names = new Set<string>();
  const collect = (node: ASTNode) => visit(node, { Variable: (v) => { names.add(v.name.value); } });
  if (op) {
    for (const d of op.directives ?? []) collect(d);
    for (const sel of op.selectionSet.selections) {
      if (sel.kind === Kind.FIELD) {
        for (const d of sel.directives ?? []) collect(d);
        if (sel.selectionSet) collect(sel.selectionSet);
      } else {
        collect(sel);
      }
    }
    for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) collect(def);
  }
  const list = [...names].sort();
  byOperation.set(key, list);
  return list;
}

/**
 * What a subscription's events are executed with, as a key: subscriptions with equal keys send
 * equal bytes for the same event to viewers with equal rights (the document object is the parsed-
 * document cache's, so equal query text is one document).
 */
export function selectionKey(op: LiveOperation): string {
  let id = documentIds.get(op.document);
  if (id === undefined) documentIds.set(op.document, (id = nextDocumentId++));
  const values = payloadVariables(op.document, op.operationName).map((n) => {
    const v = op.variableValues?.[n];
    return v === undefined ? { absent: true } : { value: v };
  });
  return `${id}:${op.operationName ?? ''}:${JSON.stringify(values)}`;
}

/** The identity a group context answers with (matches no row). */
const NO_ONE = '00000000-0000-0000-0000-000000000000';

/** Set when a group's execution asked who its viewer is. */
export interface IdentityProbe { read: boolean }

/**
 * The context one execution for a whole group of subscribers runs with: the rights the group shares
 * (roles, password state) and nothing that tells its members apart. Asking who the viewer is — user,
 * login, session, address, socket — marks the probe: the result may then differ between members, so
 * it is thrown away and each member is executed with their own context. So a shared result is, by
 * construction, one no member's identity went into.
 */
export function groupContext(template: Ctx, viewer: Viewer, em: EntityManager, loaders: Loaders): { ctx: Ctx; probe: IdentityProbe } {
  const probe: IdentityProbe = { read: false };
  const asked = <T>(value: T) => ({ enumerable: true, get: () => { probe.read = true; return value; } });
  const shared = Object.defineProperties({ roles: viewer.roles, mustChangePassword: viewer.mustChangePassword } as Viewer, {
    userId: asked(NO_ONE), login: asked(''), sessionId: asked(NO_ONE),
  });
  const ctx = Object.defineProperties({
    em, loaders, viewer: shared, authError: null, services: template.services, config: template.config, log: template.log,
  } as unknown as Ctx, {
    ip: asked(''), userAgent: asked(null), socket: asked(undefined), operation: asked(undefined),
  });
  return { ctx, probe };
}

/**
 * The root of a group execution, telling whether the execution read whose stream (student) it runs
 * for (`DiaryEvent.studentId` reads it; nothing else does). One that read neither that nor the
 * viewer's identity gives the same bytes on every stream with the same selection, rights and access
 * decision, so the batch reuses it there (EventHub.executeFor).
 */
export function streamProbe(root: LiveEvent): { root: LiveEvent; read: boolean } {
  const probe = { root: root, read: false };
  probe.root = {
    event: root.event,
    object: root.object,
    get studentId() {
      probe.read = true;
      return root.studentId;
    },
  };
  return probe;
}

/** The context of one subscriber for one event: their current rights, the batch's database state. */
export function memberContext(template: Ctx, viewer: Viewer, em: EntityManager, loaders: Loaders): Ctx {
  return {
    em, loaders, viewer, authError: null, ip: template.ip, userAgent: template.userAgent,
    services: template.services, config: template.config, log: template.log, socket: template.socket,
  };
}

/** Executes a subscription's selection for one event (`root` is what its field resolver receives) and serializes the result. */
export async function executeEvent(runtime: LiveRuntime, op: LiveOperation, root: unknown, ctx: Ctx): Promise<string> {
  const result = await execute({
    schema: runtime.schema, document: op.document, rootValue: root, contextValue: ctx,
    variableValues: op.variableValues, operationName: op.operationName,
  });
  return JSON.stringify(runtime.format(result));
}
