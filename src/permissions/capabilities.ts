import { type Viewer, hasRole, schoolIdsWithRole } from '../context';
import { Role } from '../entities/user.entity';

/**
 * The one capability table (R-SEC-2): who may do what, read by the shield rules (src/permissions/
 * rules) and by the services' school-scoped checks. A capability is granted by a role held in the
 * record's school, or — for a TEACHER — by a relation to the record (class teacher of, teaches,
 * conducts this lesson, individual plan of), which the service checks against the data with the
 * dates stated in RELATIONS. Shield decides the role part once per request (a teacher passes it
 * when some relation could grant the capability); the service decides the school and the relation.
 * The committed permission snapshot prints this table.
 */

/** Relations to a record that grant a TEACHER a capability, and the time they are judged at. */
export const RELATIONS = {
  classTeacherOf: {
    meaning: 'leads the class (school_class.class_teacher_id), as a staff member not archived; of a student: the student is in that class',
    asOf: 'as of today in the school\'s time zone (clock.now())',
  },
  teaches: {
    meaning: 'holds a teaching assignment of the subject for the class or group (within its academic year, and its study period when it has one), as a staff member not archived',
    asOf: 'as of today in the school\'s time zone for current data; on the record\'s date for journal records',
  },
  conductsLesson: {
    meaning: 'is the lesson\'s teacher, or its registered substitute (R-JOUR-6)',
    asOf: 'on the record\'s date (the day of the lesson)',
  },
  individualPlanOf: {
    meaning: 'teaches an individual timetable entry of the student (one student)',
    asOf: 'as of today in the school\'s time zone, while the entry is valid',
  },
} as const;
export type Relation = keyof typeof RELATIONS;

interface CapabilitySpec {
  /** roles that hold the capability in their school */
  roles: readonly Role[];
  /** relations by which a TEACHER holds it for one record, and what the relation is to */
  relations?: readonly { relation: Relation; to: string }[];
  requirement: string;
  description: string;
}

const ALL_ROLES: readonly Role[] = Object.values(Role);
const ADMINISTRATION: readonly Role[] = [Role.ADMIN, Role.DIRECTOR, Role.DEPUTY];
/** Roles of a school's staff (a staff account holds only these; archiving a staff member ends them). */
export const STAFF_ROLES: readonly Role[] = [Role.TEACHER, Role.DEPUTY, Role.DIRECTOR, Role.ADMIN];
/**
 * Roles whose holders take part in the education of every student of their school, with no dates:
 * the ADMINISTRATION branch of `student_access_span` (migration 0013). A viewer holding one in the
 * record's school is granted student and guardian access without asking the database; a test
 * compares this list with the view's definition.
 */
export const SCHOOL_WIDE_ACCESS_ROLES: readonly Role[] = ADMINISTRATION;

/** The viewer takes part in the education of every student of the school (SCHOOL_WIDE_ACCESS_ROLES held there). */
export const administersSchool = (viewer: Viewer | null, schoolId: string): boolean => hasRole(viewer, SCHOOL_WIDE_ACCESS_ROLES, schoolId);
/** Roles that only the diary service needs (R-SEC-8): an account holding any other role is kept when a child's diary ends. */
export const DIARY_ROLES: readonly Role[] = [Role.PARENT, Role.STUDENT];

/** Capability (named as its shield rule) → who holds it. */
export const CAPABILITIES = {
  isSchoolMember: { roles: ALL_ROLES, requirement: 'R-YEAR', description: 'reads the structure of a school they belong to (year, subjects, classes, groups, timetable)' },
  canManageYear: { roles: [Role.ADMIN, Role.DEPUTY], requirement: 'R-ROLE-1, R-ROLE-3', description: 'sets up the year: periods, holidays, grading systems, subjects, rooms, curriculum, teaching load' },
  canManageStaff: { roles: [Role.ADMIN, Role.DEPUTY], requirement: 'R-ROLE-3, R-SEC-10', description: 'creates, changes and archives staff and hands out their credentials (the one-time password of a new account); a DEPUTY grants and manages only the roles in STAFF_ROLES_GRANTED_BY' },
  canResetPasswords: { roles: [Role.ADMIN], requirement: 'R-ROLE-1', description: 'issues a new one-time password to any account of the school' },
  canBlockAccounts: { roles: [Role.ADMIN, Role.DIRECTOR], requirement: 'R-SEC-6, R-SEC-7', description: 'blocks and unblocks accounts, sees why an account is blocked' },
  canListUsers: { roles: ADMINISTRATION, requirement: 'R-ROLE-1..3', description: 'lists the users of the school' },
  canReadStaffAccounts: { roles: ADMINISTRATION, requirement: 'R-ROLE-1..3', description: 'reads the account behind a staff member and the people of the school by node()' },
  canReadAudit: { roles: ADMINISTRATION, requirement: 'R-SEC-5', description: 'reads and verifies the audit trail' },
  canReadStaff: { roles: ALL_ROLES.filter((r) => r !== Role.ANALYST), requirement: 'R-YEAR-3, R-ROLE-8', description: 'reads staff names and positions, the class teacher\'s name (personal data: never the analyst)' },
  canReadTeaching: { roles: ADMINISTRATION, relations: [{ relation: 'teaches', to: 'their own assignments and plans' }], requirement: 'R-YEAR-7, R-YEAR-8', description: 'reads teaching load and thematic plans: the administration every teacher\'s, a teacher their own' },
  canEditThematicPlans: { roles: [Role.ADMIN, Role.DEPUTY], relations: [{ relation: 'teaches', to: 'the subject and class/group of the plan' }], requirement: 'R-YEAR-8', description: 'edits thematic plans' },
  canManageClasses: { roles: [Role.ADMIN, Role.DEPUTY], requirement: 'R-ROLE-1, R-ROLE-3, R-YEAR-4', description: 'creates and changes classes, creates student records' },
  canMaintainStudents: { roles: [Role.ADMIN, Role.DEPUTY], relations: [{ relation: 'classTeacherOf', to: 'the student (of one of the guardian\'s children)' }], requirement: 'R-ROLE-5', description: 'maintains students\' and guardians\' data' },
  canIssueCredentials: { roles: [Role.ADMIN], relations: [{ relation: 'classTeacherOf', to: 'the student\'s class (the guardian\'s child\'s)' }], requirement: 'R-SEC-1, R-SEC-10', description: 'hands out credentials to students and parents' },
  canManageConsent: { roles: [Role.ADMIN, Role.DEPUTY], relations: [{ relation: 'classTeacherOf', to: 'the student\'s class' }], requirement: 'R-SEC-4, R-ROLE-5', description: 'registers and withdraws consent, reads consent states' },
  canManageGroups: { roles: [Role.ADMIN, Role.DEPUTY], requirement: 'R-ROLE-3, R-YEAR-4, R-YEAR-5', description: 'creates, changes and archives study groups; sets individual plans' },
  canFormSubgroups: {
    roles: [Role.ADMIN, Role.DEPUTY],
    relations: [
      { relation: 'classTeacherOf', to: 'the class of the SUBGROUP' },
      { relation: 'teaches', to: 'the SUBGROUP itself, or its subject in its class' },
    ],
    requirement: 'R-ROLE-3, R-ROLE-5',
    description: 'adds students to and removes them from groups; a teacher only those of SUBGROUPs (re-formed each period by the class teacher with the subject teachers)',
  },
  canMoveStudents: { roles: [Role.ADMIN, Role.DEPUTY], requirement: 'R-YEAR-11', description: 'enrols, transfers and lets students leave' },
  canManageTimetable: { roles: [Role.ADMIN, Role.DEPUTY], requirement: 'R-ROLE-3, R-YEAR-6, R-YEAR-9', description: 'sets bell schedules and the timetable, generates dated lessons' },
  canChangeLessons: { roles: ADMINISTRATION, requirement: 'R-ROLE-2, R-ROLE-3, R-JOUR-6', description: 'registers substitutions, moves and cancellations of lessons' },
  canConductLessons: { roles: [], relations: [{ relation: 'conductsLesson', to: 'the lesson' }], requirement: 'R-JOUR-1, R-JOUR-6', description: 'fills in a lesson' },
  canReadSchoolLessons: { roles: ADMINISTRATION, relations: [{ relation: 'conductsLesson', to: 'the lesson' }], requirement: 'R-SEC-3, R-ROLE-4', description: 'reads a dated lesson: the administration every one; others those they conduct, or whose students they took part in educating on its date' },
  canReadClassJournals: {
    roles: ADMINISTRATION,
    relations: [{ relation: 'classTeacherOf', to: 'the class (read-only)' }, { relation: 'teaches', to: 'the subject and class or group' }, { relation: 'conductsLesson', to: 'a lesson of the page' }],
    requirement: 'R-ROLE-2..5',
    description: 'reads a class journal page: the administration and the class teacher read-only, the teachers of the subject there',
  },
  canSetFinalMarks: { roles: [], relations: [{ relation: 'teaches', to: 'the subject in the student\'s class or group, in the period' }], requirement: 'R-JOUR-8, R-ROLE-4', description: 'sets and postpones final marks' },
  canReopenJournals: { roles: [Role.DIRECTOR, Role.DEPUTY], requirement: 'R-JOUR-9, R-ROLE-2, R-ROLE-3', description: 'reopens a closed journal (all of it or one student) with a reason, and closes it again' },
  canReadSummarySheets: { roles: ADMINISTRATION, relations: [{ relation: 'classTeacherOf', to: 'the class' }], requirement: 'R-JOUR-11, R-ROLE-2..5', description: 'reads a class\'s summary sheet of final marks' },
  canKeepControlWorks: { roles: ADMINISTRATION, requirement: 'R-YEAR-10', description: 'keeps the control-work schedule' },
  canReadControlWorkSchedule: { roles: [...STAFF_ROLES, Role.ANALYST], requirement: 'R-YEAR-10, R-REP-2, R-ROLE-8', description: 'reads the whole control-work schedule of the school (no personal data in it); others read the works of students they may see' },
  canReadTeacherTimetables: { roles: ADMINISTRATION, relations: [{ relation: 'conductsLesson', to: 'their own lessons' }], requirement: 'R-JOUR-6, R-DIARY-2', description: 'reads a teacher\'s timetable' },
  canManageProductionCalendar: { roles: [Role.ADMIN], requirement: 'R-ROLE-1, R-SEC-4, R-SEC-8', description: 'enters the production calendar (non-working days, working Saturdays) that erasure deadlines count with' },
  canReadProductionCalendar: { roles: ADMINISTRATION, requirement: 'R-SEC-4, R-SEC-8', description: 'reads the production calendar' },
  canCorrespond: {
    roles: ALL_ROLES.filter((r) => r !== Role.ANALYST), requirement: 'R-JOUR-12, R-ROLE-6, R-ROLE-7',
    description: 'reads and writes in the message threads they take part in today (message_thread_access_at); starts one: staff about a student they take part in educating (the class teacher to all guardians of the class), a guardian or the student to a staff member of the student',
  },
  canAcknowledge: { roles: [Role.PARENT], requirement: 'R-DIARY-5, R-ROLE-7', description: 'acknowledges a week of their child\'s diary, a mark or a message (as a current guardian of the student)' },
  canReadAcknowledgments: {
    roles: [Role.DIRECTOR, Role.DEPUTY],
    relations: [{ relation: 'classTeacherOf', to: 'the class or the student (also the teacher who posted the mark or wrote the message)' }],
    requirement: 'R-DIARY-5', description: 'reads who has and has not acknowledged a week of a class\'s diary, a mark or a message',
  },
  canFollowStaffEvents: { roles: STAFF_ROLES, requirement: 'R-DIARY-3', description: 'subscribes to the live events of their lessons and classes' },
} as const satisfies Record<string, CapabilitySpec>;
export type Capability = keyof typeof CAPABILITIES;

/** R-SEC-10, R-ROLE-1: the staff roles each role may grant and manage (a DEPUTY: teacher accounts only, no escalation). */
export const STAFF_ROLES_GRANTED_BY: Partial<Record<Role, readonly Role[]>> = {
  [Role.ADMIN]: STAFF_ROLES,
  [Role.DEPUTY]: [Role.TEACHER],
};

/** Roles that hold `capability` in their school (relations not counted). */
export const rolesOf = (capability: Capability): readonly Role[] => CAPABILITIES[capability].roles;

/** Roles shield lets through: the capability's roles, and TEACHER where a relation may grant it. */
export function shieldRolesOf(capability: Capability): readonly Role[] {
  const spec: CapabilitySpec = CAPABILITIES[capability];
  return spec.relations?.length && !spec.roles.includes(Role.TEACHER) ? [...spec.roles, Role.TEACHER] : spec.roles;
}

/** The viewer holds `capability` by role in `schoolId` (in some school when omitted). */
export const can = (viewer: Viewer | null, capability: Capability, schoolId?: string): boolean => hasRole(viewer, rolesOf(capability), schoolId);

/** Schools where the viewer holds `capability` by role. */
export const schoolsWhere = (viewer: Viewer | null, capability: Capability): string[] => schoolIdsWithRole(viewer, rolesOf(capability));

/** Staff roles the viewer may grant and manage in `schoolId` (R-SEC-10). */
export function grantableStaffRoles(viewer: Viewer | null, schoolId: string): Role[] {
  const out = new Set<Role>();
  for (const r of viewer?.roles ?? []) if (r.schoolId === schoolId) for (const g of STAFF_ROLES_GRANTED_BY[r.role] ?? []) out.add(g);
  return [...out];
}

/** The table as text, for the committed permission snapshot. */
export function describeCapabilities(): string {
  const lines = ['# Capabilities (src/permissions/capabilities.ts): rule → roles in the record\'s school; + relation of a TEACHER to the record — requirement: what'];
  for (const [name, spec] of Object.entries(CAPABILITIES) as [Capability, CapabilitySpec][]) {
    const roles = spec.roles.length === ALL_ROLES.length ? 'every role' : spec.roles.join(', ') || '(no role alone)';
    const relations = spec.relations?.map((r) => ` + TEACHER ${r.relation} ${r.to}`).join(';') ?? '';
    lines.push(`${name} → ${roles}${relations} — ${spec.requirement}: ${spec.description}`);
  }
  lines.push('# Staff roles granted and managed (R-SEC-10)');
  for (const [role, roles] of Object.entries(STAFF_ROLES_GRANTED_BY)) lines.push(`${role} → ${roles!.join(', ')}`);
  lines.push('# Relations (the services check them against the data): meaning — when');
  for (const [name, r] of Object.entries(RELATIONS)) lines.push(`${name}: ${r.meaning} — ${r.asOf}`);
  lines.push('# Type.field → rule');
  return `${lines.join('\n')}\n`;
}
