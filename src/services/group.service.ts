import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import type { Ctx } from '../context';
import { AcademicYear } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Subject } from '../entities/subject.entity';
import { ClassMembership, Student } from '../entities/student.entity';
import { GroupMembership, StudyGroup, StudyGroupKind } from '../entities/study-group.entity';
import { IndividualPlan, IndividualPlanSubject } from '../entities/individual-plan.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { forbidden, notFound } from '../schema/errors';
import { UserErrorCode, userError } from '../schema/user-error';
import { onDateKey } from '../loaders/group.loaders';
import type {
  GroupMemberAddInput, GroupMemberRemoveInput, IndividualPlanRemoveInput, IndividualPlanSetInput,
  StudyGroupArchiveInput, StudyGroupCreateInput, StudyGroupUpdateInput,
} from '../schema/group.types';
import type { StudentEnrolInput, StudentLeaveInput, StudentTransferInput } from '../schema/movement.types';
import { assertCanManage, requiredText, write } from './membership.helpers';
import { type WriteResult, assertMember, at, fail, isMember, lockRow } from './shared';
import { MovementService } from './movement.service';
import { can } from '../permissions/capabilities';
import { leadsClass, teaches } from './participation';
import { leanRow } from '../db/lean';

const NAME_MAX = 200;
const REASON_MAX = 1000;
const PLAN_SUBJECTS_MAX = 40;
const HOURS_MAX = 40;
/** Kinds that join students of several classes; only a SUBGROUP belongs to one class. */
const CROSS_CLASS_KINDS = [StudyGroupKind.ELECTIVE, StudyGroupKind.CLUB, StudyGroupKind.PROFILE, StudyGroupKind.PROJECT, StudyGroupKind.STREAM];

/**
 * Study groups, subgroups and streams with membership by date (R-YEAR-4), individual plans
 * (R-YEAR-4, R-YEAR-5) and, through MovementService, student movement (R-YEAR-11). Members of a
 * school read its groups; member lists are scoped by student_access_at (R-SEC-3); ADMIN and DEPUTY
 * write, and a subgroup's members also its class teacher and subject teacher (R-ROLE-5). Membership writes lock the student's row, so two concurrent additions of one student
 * cannot both pass the one-subgroup-per-subject check.
 */
export class GroupService {
  private readonly movement: MovementService;

  constructor(private readonly config: AppConfig) {
    this.movement = new MovementService(config);
  }

  // ---- reading ----

  /** Groups of an academic year, optionally those of one class (its subgroups and the streams it is in). */
  async studyGroups(ctx: Ctx, yearGlobalId: string, classGlobalId?: string | null, includeArchived = false): Promise<StudyGroup[]> {
    const yearId = fromGlobalId(yearGlobalId, 'AcademicYear', 'academicYearId');
    const classId = classGlobalId != null ? fromGlobalId(classGlobalId, 'SchoolClass', 'classId') : null;
    const year = await ctx.loaders.academicYearById.load(yearId);
    if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
    const where: string[] = ['g.academic_year_id = ?'];
    const params: unknown[] = [yearId];
    if (classId) {
      where.push('(g.school_class_id = ? or ? = any(g.stream_class_ids))');
      params.push(classId, classId);
    }
    if (!includeArchived) where.push('g.archived_at is null');
    const rows = await ctx.em.execute<Record<string, unknown>[]>(
      `select g.* from study_group g where ${where.join(' and ')} order by g.name, g.id`, params);
    return rows.map((r) => leanRow(StudyGroup, r));
  }

  /** One group of the viewer's schools; any other is NOT_FOUND. */
  async studyGroup(ctx: Ctx, globalId: string): Promise<StudyGroup> {
    return this.studyGroupOf(ctx, fromGlobalId(globalId, 'StudyGroup'));
  }

  async studyGroupOf(ctx: Ctx, id: string): Promise<StudyGroup> {
    const group = await ctx.loaders.studyGroupById.load(id);
    if (!group || !isMember(ctx, group.school.id)) throw notFound('Study group');
    return group;
  }

  /** Members of a group on a day, those the viewer may see (R-SEC-3). */
  async groupMembers(ctx: Ctx, group: StudyGroup, onDate: string): Promise<GroupMembership[]> {
    assertMember(ctx, group.school.id, 'Study group');
    return ctx.loaders.groupMembersOnDate.load(onDateKey(group.id, onDate, ctx.viewer!.userId));
  }

  /** The classes of a group: a stream's classes, a subgroup's class, none for other kinds. */
  async groupClasses(ctx: Ctx, group: StudyGroup): Promise<SchoolClass[]> {
    assertMember(ctx, group.school.id, 'Study group');
    const ids = group.kind === StudyGroupKind.STREAM ? group.streamClassIds ?? [] : group.schoolClass ? [group.schoolClass.id] : [];
    const classes = await ctx.loaders.groupSchoolClassById.loadMany(ids);
    return classes.filter((c): c is SchoolClass => c instanceof SchoolClass).sort((a, b) => a.grade - b.grade || a.letter.localeCompare(b.letter, 'ru'));
  }

  async schoolClassOf(ctx: Ctx, id: string | null | undefined): Promise<SchoolClass | null> {
    if (!id) return null;
    const c = await ctx.loaders.groupSchoolClassById.load(id);
    return c && isMember(ctx, c.school.id) ? c : null;
  }

  async subjectOf(ctx: Ctx, id: string | null | undefined): Promise<Subject | null> {
    if (!id) return null;
    const s = await ctx.loaders.groupSubjectById.load(id);
    return s && isMember(ctx, s.school.id) ? s : null;
  }

  /** A student of a membership or plan the viewer already may see. */
  async studentOf(ctx: Ctx, id: string): Promise<Student> {
    const s = await ctx.loaders.groupStudentById.load(id);
    if (!s || !isMember(ctx, s.school.id)) throw notFound('Student');
    return s;
  }

  /** R-YEAR-11: who was in a class on a day, among the students the viewer may see (R-SEC-3). */
  async classMembers(ctx: Ctx, classGlobalId: string, onDate: string): Promise<ClassMembership[]> {
    const classId = fromGlobalId(classGlobalId, 'SchoolClass', 'classId');
    const schoolClass = await ctx.loaders.groupSchoolClassById.load(classId);
    if (!schoolClass || !isMember(ctx, schoolClass.school.id)) throw notFound('Class');
    return ctx.loaders.classMembersOnDate.load(onDateKey(classId, onDate, ctx.viewer!.userId));
  }

  /** The individual plan of a student for a year, for those taking part in the student's education; null when none. */
  async individualPlan(ctx: Ctx, studentGlobalId: string, yearGlobalId: string): Promise<IndividualPlan | null> {
    const studentId = fromGlobalId(studentGlobalId, 'Student', 'studentId');
    const yearId = fromGlobalId(yearGlobalId, 'AcademicYear', 'academicYearId');
    if (!(await ctx.services.roster.canSeeStudent(ctx, studentId))) throw notFound('Student');
    return ctx.em.findOne(IndividualPlan, { student: studentId, academicYear: yearId });
  }

  async individualPlanSubjects(ctx: Ctx, plan: IndividualPlan): Promise<IndividualPlanSubject[]> {
    assertMember(ctx, plan.school.id, 'Individual plan');
    return ctx.loaders.individualPlanSubjectsByPlan.load(plan.id);
  }

  // ---- groups ----

  /** Creates a group: a SUBGROUP of one class for a subject, a cross-class group, or a STREAM of several classes. */
  async studyGroupCreate(ctx: Ctx, input: StudyGroupCreateInput): Promise<WriteResult<{ studyGroup: StudyGroup }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const subjectId = input.subjectId != null ? fromGlobalId(input.subjectId, 'Subject', 'subjectId') : null;
    const classId = input.classId != null ? fromGlobalId(input.classId, 'SchoolClass', 'classId') : null;
    const streamIds = input.streamClassIds?.map((g) => fromGlobalId(g, 'SchoolClass', 'streamClassIds')) ?? null;
    return write(ctx, async (em) => {
      const year = await lockRow(em, AcademicYear, 'academic_year', yearId, 'share');
      if (!year) throw notFound('Academic year');
      assertCanManage(ctx, year.school.id, 'Academic year');
      const name = requiredText(input.name, at('name'), 'The name', NAME_MAX);
      if (input.kind === StudyGroupKind.SUBGROUP) {
        if (!subjectId) fail(UserErrorCode.REQUIRED, 'A subgroup is for a subject: give subjectId', at('subjectId'));
        if (!classId) fail(UserErrorCode.REQUIRED, 'A subgroup divides a class: give classId', at('classId'));
      } else if (classId) {
        fail(UserErrorCode.INVALID, `A group of kind ${input.kind} is not tied to one class: omit classId`, at('classId'));
      }
      if (input.kind !== StudyGroupKind.STREAM && streamIds) fail(UserErrorCode.INVALID, 'Only a STREAM joins classes: omit streamClassIds', at('streamClassIds'));
      if (input.kind === StudyGroupKind.STREAM && !streamIds) fail(UserErrorCode.REQUIRED, 'A stream joins classes: give at least two streamClassIds', at('streamClassIds'));
      if (subjectId) await this.checkSubject(em, year, subjectId);
      if (classId) await this.checkClasses(em, year, [classId], at('classId'));
      if (streamIds) await this.checkStream(em, year, streamIds);
      const studyGroup = em.create(StudyGroup, {
        school: year.school, academicYear: year, name, kind: input.kind,
        subject: subjectId, schoolClass: classId, streamClassIds: streamIds ? [...new Set(streamIds)] : null,
      });
      await em.flush();
      return { studyGroup };
    });
  }

  /** Renames a group, changes its subject or the classes of a stream. */
  async studyGroupUpdate(ctx: Ctx, input: StudyGroupUpdateInput): Promise<WriteResult<{ studyGroup: StudyGroup }>> {
    const id = fromGlobalId(input.studyGroupId, 'StudyGroup', 'studyGroupId');
    const subjectId = input.subjectId != null ? fromGlobalId(input.subjectId, 'Subject', 'subjectId') : null;
    const streamIds = input.streamClassIds?.map((g) => fromGlobalId(g, 'SchoolClass', 'streamClassIds')) ?? null;
    return write(ctx, async (em) => {
      const group = await lockRow(em, StudyGroup, 'study_group', id);
      if (!group) throw notFound('Study group');
      assertCanManage(ctx, group.school.id, 'Study group');
      if (group.archivedAt) fail(UserErrorCode.ARCHIVED, `The group «${group.name}» is archived`, at('studyGroupId'));
      const year = await em.findOneOrFail(AcademicYear, group.academicYear.id);
      const name = input.name != null ? requiredText(input.name, at('name'), 'The name', NAME_MAX) : null;
      if (streamIds && group.kind !== StudyGroupKind.STREAM) fail(UserErrorCode.INVALID, 'Only a STREAM joins classes: omit streamClassIds', at('streamClassIds'));
      if (subjectId && subjectId !== group.subject?.id) {
        await this.checkSubject(em, year, subjectId);
        if (group.kind === StudyGroupKind.SUBGROUP && (await em.count(GroupMembership, { group: id, toDate: null })) > 0) {
          fail(UserErrorCode.IN_USE, `The subgroup «${group.name}» has current members: its subject cannot change`, at('subjectId'));
        }
        group.subject = em.getReference(Subject, subjectId, { wrapped: true });
      }
      if (streamIds) {
        await this.checkStream(em, year, streamIds);
        group.streamClassIds = [...new Set(streamIds)];
      }
      if (name) group.name = name;
      await em.flush();
      return { studyGroup: group };
    });
  }

  /** Archives a group: it takes no new members; its history stays. */
  async studyGroupArchive(ctx: Ctx, input: StudyGroupArchiveInput): Promise<WriteResult<{ studyGroup: StudyGroup }>> {
    const id = fromGlobalId(input.studyGroupId, 'StudyGroup', 'studyGroupId');
    return write(ctx, async (em) => {
      const group = await lockRow(em, StudyGroup, 'study_group', id);
      if (!group) throw notFound('Study group');
      assertCanManage(ctx, group.school.id, 'Study group');
      if (group.archivedAt) fail(UserErrorCode.ARCHIVED, `The group «${group.name}» is already archived`, at('studyGroupId'));
      group.archivedAt = new Date();
      await em.flush();
      return { studyGroup: group };
    });
  }

  // ---- membership ----

  /**
   * Adds a student to a group from a date. A subgroup's member must be in its class that day, a
   * stream's in one of its classes, any other group's in a class of its year; one subgroup per
   * subject at a time (checked under the student's row lock).
   */
  async groupMemberAdd(ctx: Ctx, input: GroupMemberAddInput): Promise<WriteResult<{ membership: GroupMembership }>> {
    const groupId = fromGlobalId(input.groupId, 'StudyGroup', 'groupId');
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const from = input.fromDate;
    return write(ctx, async (em) => {
      const group = await lockRow(em, StudyGroup, 'study_group', groupId, 'share');
      if (!group) throw notFound('Study group');
      await this.assertCanChangeMembers(ctx, em, group);
      // Serialises membership writes of this student.
      const student = await lockRow(em, Student, 'student', studentId);
      if (!student || student.school.id !== group.school.id) throw notFound('Student');
      if (group.archivedAt) fail(UserErrorCode.ARCHIVED, `The group «${group.name}» is archived`, at('groupId'));
      const year = await em.findOneOrFail(AcademicYear, group.academicYear.id);
      if (from < year.startDate || from > year.endDate) {
        fail(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `${from} is outside the academic year «${year.name}» (${year.startDate} – ${year.endDate})`, at('fromDate'));
      }
      if (student.leftOn && student.leftOn < from) fail(UserErrorCode.ALREADY_LEFT, `The student left the school on ${student.leftOn}`, at('studentId'));
      const overlapping = await em.findOne(GroupMembership, { group: groupId, student: studentId, $or: [{ toDate: null }, { toDate: { $gte: from } }] });
      if (overlapping) fail(UserErrorCode.ALREADY_MEMBER, `The student is already in «${group.name}» (from ${overlapping.fromDate})`, at('studentId'));
      await this.checkClassOnDate(em, group, studentId, from);
      if (group.kind === StudyGroupKind.SUBGROUP && group.subject) await this.checkSubgroupConflict(em, group, studentId, from);
      const membership = em.create(GroupMembership, { group, student, fromDate: from, toDate: null });
      await em.flush();
      return { membership };
    }, () => userError(UserErrorCode.ALREADY_MEMBER, 'The student is already in the group', at('studentId')));
  }

  /** Ends a student's current membership of a group on a date (the row is closed, never deleted). */
  async groupMemberRemove(ctx: Ctx, input: GroupMemberRemoveInput): Promise<WriteResult<{ membership: GroupMembership }>> {
    const groupId = fromGlobalId(input.groupId, 'StudyGroup', 'groupId');
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    return write(ctx, async (em) => {
      const group = await lockRow(em, StudyGroup, 'study_group', groupId, 'share');
      if (!group) throw notFound('Study group');
      await this.assertCanChangeMembers(ctx, em, group);
      const student = await lockRow(em, Student, 'student', studentId);
      if (!student || student.school.id !== group.school.id) throw notFound('Student');
      const membership = await em.findOne(GroupMembership, { group: groupId, student: studentId, toDate: null });
      if (!membership) fail(UserErrorCode.NOT_MEMBER, `The student is not a current member of «${group.name}»`, at('studentId'));
      const year = await em.findOneOrFail(AcademicYear, group.academicYear.id);
      if (input.toDate < membership.fromDate) fail(UserErrorCode.DATE_INVALID, `The last day (${input.toDate}) is before the first day in the group (${membership.fromDate})`, at('toDate'));
      if (input.toDate > year.endDate) fail(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `${input.toDate} is after the academic year «${year.name}» ends (${year.endDate})`, at('toDate'));
      membership.toDate = input.toDate;
      await em.flush();
      return { membership };
    });
  }

  // ---- individual plans ----

  /** Sets a student's individual plan for a year, replacing the previous one (R-YEAR-5). */
  async individualPlanSet(ctx: Ctx, input: IndividualPlanSetInput): Promise<WriteResult<{ individualPlan: IndividualPlan }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const subjectIds = input.subjects.map((s, i) => fromGlobalId(s.subjectId, 'Subject', `subjects[${i}].subjectId`));
    return write(ctx, async (em) => {
      const student = await lockRow(em, Student, 'student', studentId);
      if (!student) throw notFound('Student');
      assertCanManage(ctx, student.school.id, 'Student');
      const year = await em.findOne(AcademicYear, yearId);
      if (!year || year.school.id !== student.school.id) throw notFound('Academic year');
      const reason = requiredText(input.reason, at('reason'), 'The reason', REASON_MAX);
      if (input.subjects.length === 0) fail(UserErrorCode.REQUIRED, 'Give at least one subject', at('subjects'));
      if (input.subjects.length > PLAN_SUBJECTS_MAX) fail(UserErrorCode.INVALID, `A plan has at most ${PLAN_SUBJECTS_MAX} subjects`, at('subjects'));
      const seen = new Set<string>();
      subjectIds.forEach((id, i) => {
        if (seen.has(id)) fail(UserErrorCode.DUPLICATE, 'The subject is given more than once', at('subjects', i, 'subjectId'));
        seen.add(id);
        const h = input.subjects[i].hoursPerWeek;
        if (!(h > 0 && h <= HOURS_MAX && Number.isInteger(h * 2))) {
          fail(UserErrorCode.INVALID, `Hours per week are more than 0, at most ${HOURS_MAX}, in steps of 0.5; not ${h}`, at('subjects', i, 'hoursPerWeek'));
        }
      });
      const subjects = await em.find(Subject, { id: { $in: subjectIds } });
      subjectIds.forEach((id, i) => {
        const s = subjects.find((x) => x.id === id);
        if (!s || s.school.id !== student.school.id) throw notFound('Subject');
        if (s.archivedAt) fail(UserErrorCode.ARCHIVED, `The subject «${s.name}» is archived`, at('subjects', i, 'subjectId'));
      });
      let plan = await em.findOne(IndividualPlan, { student: studentId, academicYear: yearId });
      if (plan) plan.reason = reason;
      else plan = em.create(IndividualPlan, { school: student.school, academicYear: year, student, reason });
      const existing = plan ? await em.find(IndividualPlanSubject, { plan: plan.id }) : [];
      const bySubject = new Map(existing.map((s) => [s.subject.id, s]));
      subjectIds.forEach((id, i) => {
        const old = bySubject.get(id);
        if (old) {
          old.hoursPerWeek = input.subjects[i].hoursPerWeek;
          bySubject.delete(id);
        } else {
          em.create(IndividualPlanSubject, { plan: plan!, subject: id, hoursPerWeek: input.subjects[i].hoursPerWeek });
        }
      });
      for (const gone of bySubject.values()) em.remove(gone);
      await em.flush();
      return { individualPlan: plan };
    }, () => userError(UserErrorCode.TAKEN, 'The plan was changed at the same time: try again', at('studentId')));
  }

  /** Removes a student's individual plan for a year with its subjects. */
  async individualPlanRemove(ctx: Ctx, input: IndividualPlanRemoveInput): Promise<WriteResult<{ deletedIndividualPlanId: string }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    return write(ctx, async (em) => {
      const student = await lockRow(em, Student, 'student', studentId);
      if (!student) throw notFound('Student');
      assertCanManage(ctx, student.school.id, 'Student');
      const plan = await em.findOne(IndividualPlan, { student: studentId, academicYear: yearId });
      if (!plan) fail(UserErrorCode.INVALID, 'The student has no individual plan for this academic year', at('academicYearId'));
      em.remove(await em.find(IndividualPlanSubject, { plan: plan.id }));
      em.remove(plan);
      await em.flush();
      return { deletedIndividualPlanId: toGlobalId('IndividualPlan', plan.id) };
    });
  }

  // ---- movement (R-YEAR-11, R-SEC-8) ----

  studentEnrol(ctx: Ctx, input: StudentEnrolInput) {
    return this.movement.studentEnrol(ctx, input);
  }

  studentTransfer(ctx: Ctx, input: StudentTransferInput) {
    return this.movement.studentTransfer(ctx, input);
  }

  studentLeave(ctx: Ctx, input: StudentLeaveInput) {
    return this.movement.studentLeave(ctx, input);
  }

  // ---- checks ----

  private async checkSubject(em: EntityManager, year: AcademicYear, subjectId: string): Promise<void> {
    const subject = await em.findOne(Subject, subjectId);
    if (!subject || subject.school.id !== year.school.id) throw notFound('Subject');
    if (subject.archivedAt) fail(UserErrorCode.ARCHIVED, `The subject «${subject.name}» is archived`, at('subjectId'));
  }

  private async checkClasses(em: EntityManager, year: AcademicYear, ids: string[], field: string[]): Promise<void> {
    const classes = await em.find(SchoolClass, { id: { $in: ids } });
    for (const id of ids) {
      const c = classes.find((x) => x.id === id);
      if (!c || c.school.id !== year.school.id) throw notFound('Class');
      if (c.academicYear.id !== year.id) fail(UserErrorCode.INVALID, `The class ${c.name} is not of the academic year «${year.name}»`, field);
    }
  }

  private async checkStream(em: EntityManager, year: AcademicYear, ids: string[]): Promise<void> {
    if (new Set(ids).size !== ids.length) fail(UserErrorCode.DUPLICATE, 'A class is given more than once', at('streamClassIds'));
    if (ids.length < 2) fail(UserErrorCode.INVALID, 'A stream joins at least two classes', at('streamClassIds'));
    await this.checkClasses(em, year, ids, at('streamClassIds'));
  }

  /**
   * R-ROLE-5 (capability `canFormSubgroups`): the administration changes any group's members; a
   * teacher those of a SUBGROUP whose class they lead, or whose subject they teach in that class (or
   * the subgroup itself) — both judged today in the school's time zone: the class's year, the
   * assignment's year and period contain today, the staff member is not archived.
   */
  private async assertCanChangeMembers(ctx: Ctx, em: EntityManager, group: StudyGroup): Promise<void> {
    assertMember(ctx, group.school.id, 'Study group');
    if (can(ctx.viewer, 'canFormSubgroups', group.school.id)) return;
    if (group.kind === StudyGroupKind.SUBGROUP && group.schoolClass && ctx.viewer) {
      const userId = ctx.viewer.userId;
      if (await leadsClass(em, userId, group.schoolClass.id)) return;
      if (group.subject && await teaches(em, userId, { subjectId: group.subject.id, classId: group.schoolClass.id, groupId: group.id })) return;
    }
    throw forbidden('Group members are changed by the ADMIN or DEPUTY; a subgroup\'s also by the class teacher of its class and the teacher of its subject there (R-ROLE-5)');
  }

  /** The class membership the group requires on `day`. */
  private async checkClassOnDate(em: EntityManager, group: StudyGroup, studentId: string, day: string): Promise<void> {
    const onDay = await em.execute<{ school_class_id: string; academic_year_id: string }[]>(
      `select cm.school_class_id, c.academic_year_id from class_membership cm join school_class c on c.id = cm.school_class_id
        where cm.student_id = ? and cm.from_date <= ? and (cm.to_date is null or cm.to_date >= ?)`, [studentId, day, day]);
    const inClass = (ids: string[]) => onDay.some((r) => ids.includes(r.school_class_id));
    if (group.kind === StudyGroupKind.SUBGROUP) {
      if (!inClass([group.schoolClass!.id])) fail(UserErrorCode.NOT_MEMBER, `On ${day} the student is not in the class of the subgroup «${group.name}»`, at('studentId'));
    } else if (group.kind === StudyGroupKind.STREAM) {
      if (!inClass(group.streamClassIds ?? [])) fail(UserErrorCode.NOT_MEMBER, `On ${day} the student is in none of the classes of the stream «${group.name}»`, at('studentId'));
    } else if (CROSS_CLASS_KINDS.includes(group.kind) && !onDay.some((r) => r.academic_year_id === group.academicYear.id)) {
      fail(UserErrorCode.NOT_ENROLLED, `On ${day} the student is in no class of the group's academic year`, at('studentId'));
    }
  }

  /** R-YEAR-4: one subgroup per subject at a time. */
  private async checkSubgroupConflict(em: EntityManager, group: StudyGroup, studentId: string, from: string): Promise<void> {
    const [other] = await em.execute<{ name: string; from_date: string }[]>(
      `select g.name, to_char(gm.from_date, 'YYYY-MM-DD') as from_date from group_membership gm join study_group g on g.id = gm.group_id
        where gm.student_id = ? and g.kind = 'SUBGROUP' and g.subject_id = ? and g.id <> ?
          and (gm.to_date is null or gm.to_date >= ?) limit 1`,
      [studentId, group.subject!.id, group.id, from]);
    if (other) {
      fail(UserErrorCode.SUBGROUP_CONFLICT, `The student is in the subgroup «${other.name}» of the same subject (from ${other.from_date}): remove them there first`, at('studentId'));
    }
  }
}
