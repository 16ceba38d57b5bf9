import { Arg, Args, Ctx as GqlCtx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { AuditEntry } from '../entities/audit-entry.entity';
import { User } from '../entities/user.entity';
import { Node, toGlobalId } from '../schema/node';
import { PageArgs } from '../schema/connection';
import { AuditEntryConnection, AuditLogFilter, AuditVerification } from '../schema/audit.types';
import { AnyNode, MAX_NODES } from '../services/node.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, {
    description: 'The audit trail of a school, newest first (R-SEC-5, R-JOUR-10). For its administrator, director and deputy directors.',
  })
  async auditLog(
    @Arg('schoolId', () => ID, { description: 'Global ID of the school.' }) schoolId: string,
    @Arg('filter', () => AuditLogFilter, { nullable: true, description: 'Conditions the entries must meet.' }) filter: AuditLogFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @GqlCtx() ctx: Ctx,
  ): Promise<AuditEntryConnection> {
    return ctx.services.audit.log(ctx, schoolId, filter, page) as Promise<AuditEntryConnection>;
  }

  @Query(() => AuditVerification, {
    description: 'Recomputes the hash chain of a school\'s audit trail and reports the first broken link (R-SEC-5).',
  })
  async auditVerify(
    @Arg('schoolId', () => ID, { description: 'Global ID of the school.' }) schoolId: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<AuditVerification> {
    return ctx.services.audit.verify(ctx, schoolId);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The acting user; null for system jobs (and for accounts no longer present).' })
  async actor(@Root() entry: AuditEntry, @GqlCtx() ctx: Ctx): Promise<User | null> {
    return entry.actorId ? ctx.loaders.userById.load(entry.actorId) : null;
  }

  @FieldResolver(() => ID, { description: 'The changed entity: its global ID (for `node(id:)` and `auditLog(filter: {entityId})`), or its raw key when that is not a uuid.' })
  entityId(@Root() entry: AuditEntry): string {
    return UUID.test(entry.entityId) ? toGlobalId(entry.entityType, entry.entityId) : entry.entityId;
  }
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Fetches any object by its global ID; NOT_FOUND when it does not exist or is not visible to the viewer.' })
  async node(@Arg('id', () => ID, { description: 'Global ID.' }) id: string, @GqlCtx() ctx: Ctx): Promise<AnyNode> {
    return ctx.services.node.node(ctx, id);
  }

  @Query(() => [Node], { nullable: 'items', description: `Fetches up to ${MAX_NODES} objects by global ID, in order; null for those that do not exist or are not visible to the viewer.` })
  async nodes(@Arg('ids', () => [ID], { description: `Global IDs (at most ${MAX_NODES}).` }) ids: string[], @GqlCtx() ctx: Ctx): Promise<(AnyNode | null)[]> {
    return ctx.services.node.nodes(ctx, ids);
  }
}

/** Audit trail and node lookup resolvers (R-SEC-5). */
export const auditResolvers: Function[] = [AuditResolver, NodeResolver];
