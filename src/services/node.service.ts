import type { EntityClass } from '@mikro-orm/core';
import { rolesOf } from '../permissions/capabilities';
import type { Ctx } from '../context';
import { hasRole, memberSchoolIds } from '../context';
import { School } from '../entities/school.entity';
import { Role, User } from '../entities/user.entity';
import { AcademicYear, Holiday, StudyPeriod } from '../entities/academic-year.entity';
import { GradingSystem, GradingValue } from '../entities/grading-system.entity';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { TeachingAssignment } from '../entities/teaching-assignment.entity';
import { CurriculumItem, PlannedTopic, ThematicPlan } from '../entities/curriculum.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Guardian, Student, StudentGuardian } from '../entities/student.entity';
import type { Node } from '../schema/node';
import { parseGlobalId } from '../schema/node';
import { badInput, notFound } from '../schema/errors';
import { teaches } from './participation';

/** Any Node entity, whatever its optional properties. */
export type AnyNode = Node<string>;

/** How `node(id:)` loads one type and decides whether the viewer may see a record of it. */
export interface NodeType<T extends AnyNode = AnyNode> {
  entity: EntityClass<T>;
  /** Relations to load with the record, for `visible`. */
  populate?: string[];
  /** Row-level visibility; may use the request's DataLoaders. */
  visible(ctx: Ctx, record: T): boolean | Promise<boolean>;
}

const isMemberOf = (ctx: Ctx, schoolId: string) => memberSchoolIds(ctx.viewer).includes(schoolId);
const ofMemberSchool = (ctx: Ctx, r: { school: { id: string } }) => isMemberOf(ctx, r.school.id);

/** Roles that see the accounts of their school's people. */
const ACCOUNT_READER_ROLES: readonly Role[] = rolesOf('canReadStaffAccounts');

/** The registry: GraphQL type name → loading and visibility. Features add their types here. */
const nodeTypes = new Map<string, NodeType>();

/** Registers a Node type for `node`/`nodes`; a type registered twice is a programming error. */
export function registerNodeType<T extends AnyNode>(typeName: string, type: NodeType<T>): void {
  if (nodeTypes.has(typeName)) throw new Error(`Node type ${typeName} registered twice`);
  nodeTypes.set(typeName, type as unknown as NodeType);
}

registerNodeType<School>('School', { entity: School, visible: (ctx, s) => isMemberOf(ctx, s.id) });
registerNodeType<AcademicYear>('AcademicYear', { entity: AcademicYear, visible: ofMemberSchool });
registerNodeType<StudyPeriod>('StudyPeriod', { entity: StudyPeriod, visible: ofMemberSchool });
registerNodeType<Holiday>('Holiday', { entity: Holiday, visible: ofMemberSchool });
registerNodeType<GradingSystem>('GradingSystem', { entity: GradingSystem, visible: ofMemberSchool });
registerNodeType<GradingValue>('GradingValue', {
  entity: GradingValue,
  populate: ['gradingSystem'],
  visible: (ctx, v) => isMemberOf(ctx, v.gradingSystem.getEntity().school.id),
});
registerNodeType<User>('User', {
  entity: User,
  // Oneself, and the people of a school where the viewer administers accounts or runs the school.
  visible: async (ctx, u) => {
    if (u.id === ctx.viewer?.userId) return true;
    const roles = await ctx.loaders.rolesByUser.load(u.id);
    return roles.some((r) => hasRole(ctx.viewer, ACCOUNT_READER_ROLES, r.school.id));
  },
});

registerNodeType<Subject>('Subject', { entity: Subject, visible: ofMemberSchool });
registerNodeType<Room>('Room', { entity: Room, visible: ofMemberSchool });
registerNodeType<CurriculumItem>('CurriculumItem', { entity: CurriculumItem, visible: ofMemberSchool });
registerNodeType<StudyGroup>('StudyGroup', { entity: StudyGroup, visible: ofMemberSchool });
registerNodeType<SchoolClass>('SchoolClass', { entity: SchoolClass, visible: ofMemberSchool });
// R-SEC-3: students and guardians only for those taking part in the student's education today (student_access_at).
registerNodeType<Student>('Student', { entity: Student, visible: (ctx, s) => ctx.services.roster.canSeeStudent(ctx, s.id) });
registerNodeType<Guardian>('Guardian', { entity: Guardian, visible: (ctx, g) => ctx.services.roster.canSeeGuardian(ctx, g.id) });
registerNodeType<StudentGuardian>('StudentGuardian', { entity: StudentGuardian, visible: (ctx, l) => ctx.services.roster.canSeeStudent(ctx, l.student.id) });
// Analysts see no names (R-ROLE-8).
registerNodeType<Staff>('Staff', {
  entity: Staff,
  visible: (ctx, s) => hasRole(ctx.viewer, rolesOf('canReadStaff'), s.school.id),
});
// Teaching load and plans: the administration, or the teacher assigned.
registerNodeType<TeachingAssignment>('TeachingAssignment', {
  entity: TeachingAssignment,
  populate: ['teacher'],
  visible: (ctx, a) => hasRole(ctx.viewer, ACCOUNT_READER_ROLES, a.school.id) || a.teacher.getEntity().user.id === ctx.viewer?.userId,
});
/** Thematic plans: the administration, or a teacher of the subject to the class/group (their own teaching, past included). */
async function thematicPlanVisible(ctx: Ctx, p: ThematicPlan): Promise<boolean> {
  if (hasRole(ctx.viewer, rolesOf('canReadTeaching'), p.school.id)) return true;
  if (!ctx.viewer) return false;
  return teaches(ctx.em, ctx.viewer.userId, { subjectId: p.subject.id, classId: p.schoolClass?.id, groupId: p.group?.id }, 'ever');
}
registerNodeType<ThematicPlan>('ThematicPlan', { entity: ThematicPlan, visible: thematicPlanVisible });
registerNodeType<PlannedTopic>('PlannedTopic', {
  entity: PlannedTopic,
  populate: ['plan'],
  visible: (ctx, t) => thematicPlanVisible(ctx, t.plan.getEntity()),
});
/** Whether the viewer may see `record` of the registered Node type `typeName` (false for an unknown type). */
export async function nodeVisible(ctx: Ctx, typeName: string, record: unknown): Promise<boolean> {
  const type = nodeTypes.get(typeName);
  return !!type && !!record && type.visible(ctx, record as AnyNode);
}

export const MAX_NODES = 100;

/** Relay node lookup by global ID (`node`, `nodes`), with row-level visibility per type. */
export class NodeService {
  /** The record behind `globalId`, or NOT_FOUND when it does not exist or the viewer may not see it. */
  async node(ctx: Ctx, globalId: string): Promise<AnyNode> {
    const [found] = await this.nodes(ctx, [globalId], 'id');
    if (!found) throw notFound('Node');
    return found;
  }

  /**
   * The records behind `globalIds`, in order; null for those that do not exist or that the viewer
   * may not see. One query per type requested, whatever the number of IDs.
   */
  async nodes(ctx: Ctx, globalIds: string[], argName = 'ids'): Promise<(AnyNode | null)[]> {
    if (globalIds.length > MAX_NODES) throw badInput(`At most ${MAX_NODES} IDs per call`, argName);
    const parsed = globalIds.map((g) => {
      const p = parseGlobalId(g);
      if (!p) throw badInput(`"${argName}" contains a malformed ID`, argName);
      return p;
    });
    const idsByType = new Map<string, Set<string>>();
    for (const p of parsed) {
      if (!nodeTypes.has(p.type)) continue;
      if (!idsByType.has(p.type)) idsByType.set(p.type, new Set());
      idsByType.get(p.type)!.add(p.id.toLowerCase());
    }
    const visible = new Map<string, AnyNode>();
    await Promise.all([...idsByType].map(async ([typeName, ids]) => {
      const type = nodeTypes.get(typeName)!;
      const records = await ctx.em.find(type.entity, { id: { $in: [...ids] } } as never, { populate: (type.populate ?? []) as never });
      await Promise.all(records.map(async (r) => {
        if (await type.visible(ctx, r)) visible.set(`${typeName}:${r.id}`, r);
      }));
    }));
    return parsed.map((p) => visible.get(`${p.type}:${p.id.toLowerCase()}`) ?? null);
  }
}
