import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { rolesOf } from '../permissions/capabilities';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { Role } from '../entities/user.entity';
import { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { TeachingAssignment } from '../entities/teaching-assignment.entity';
import { CurriculumItem, PlannedTopic, ThematicPlan } from '../entities/curriculum.entity';
import { fromGlobalId, parseGlobalId, toGlobalId } from '../schema/node';
import { badInput, forbidden, notFound } from '../schema/errors';
import { UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import { CatalogProblems } from './catalog-support';
import { type WriteResult, assertRole, at, flush, isMember, lockRow, write } from './shared';
import { Curriculum, TeacherLoad, TeacherLoadLine } from '../schema/teaching.types';
import type {
  CurriculumSetInput, PlannedTopicsReorderInput, TeachingAssignmentCreateInput, TeachingAssignmentDeleteInput,
  TeachingAssignmentUpdateInput, ThematicPlanReplaceInput,
} from '../schema/teaching.types';
import { teaches } from './participation';

/** R-ROLE-1, R-ROLE-3: who sets up curricula and teaching load. */
const MANAGERS: readonly Role[] = rolesOf('canManageYear');
/** R-ROLE-2, R-ROLE-3: who reads every teacher's load and every plan. */
const OVERSEERS: readonly Role[] = rolesOf('canReadTeaching');
const MIN_GRADE = 1;
const MAX_GRADE = 11;
const PROFILE_MAX = 100;
const TOPICS_MAX = 500;
const TOPIC_TITLE_MAX = 500;
const TOPIC_HOURS_MAX = 100;

/**
 * A class or a study group that curricula, assignments and plans are made for, loaded with what
 * their checks need (school, year, name). Never a student: unlike a lesson's `Target` (scheduling.ts).
 */
interface ClassOrGroup {
  schoolClass?: SchoolClass;
  group?: StudyGroup;
  id: string;
  schoolId: string;
  yearId: string;
  name: string;
}

const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 10) / 10;
const hoursOf = (v: number | string) => Number(v);

/**
 * Curriculum (R-YEAR-5), teaching load (R-YEAR-7) and calendar-thematic plans (R-YEAR-8). ADMIN and
 * DEPUTY set them up; the director reads all; a teacher reads their own load and reads and edits the
 * plans of the subjects and classes/groups they are assigned to.
 */
export class TeachingService {
  constructor(private readonly config: AppConfig) {}

  // ---- curriculum ----

  async curriculum(ctx: Ctx, yearGlobalId: string, grade: number, profileArg?: string | null): Promise<Curriculum> {
    const year = await this.yearOf(ctx, fromGlobalId(yearGlobalId, 'AcademicYear', 'academicYearId'));
    if (grade < MIN_GRADE || grade > MAX_GRADE) throw badInput(`"grade" must be ${MIN_GRADE}–${MAX_GRADE}`, 'grade');
    const profile = profileArg?.trim() || null;
    return this.loadCurriculum(ctx.em, year.id, grade, profile);
  }

  /** Replaces the curriculum of one grade level and profile in one transaction. */
  async curriculumSet(ctx: Ctx, input: CurriculumSetInput): Promise<WriteResult<{ curriculum: Curriculum }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    return write(ctx, async (em) => {
      // Serialises curriculum writers of the year.
      const year = await lockRow(em, AcademicYear, 'academic_year', yearId);
      if (!year) throw notFound('Academic year');
      assertRole(ctx, MANAGERS, year.school.id, 'Academic year');
      const p = new CatalogProblems();
      if (!Number.isInteger(input.grade) || input.grade < MIN_GRADE || input.grade > MAX_GRADE) {
        p.add(UserErrorCode.GRADE_INVALID, `Grade levels are ${MIN_GRADE}–${MAX_GRADE}`, at('grade'));
      }
      const profile = input.profile != null ? p.optionalText(input.profile, at('profile'), 'The profile', PROFILE_MAX) : null;
      const subjectIds = input.items.map((it, i) => fromGlobalId(it.subjectId, 'Subject', `input.items.${i}.subjectId`));
      const periodIds = input.items.map((it, i) => (it.periodId ? fromGlobalId(it.periodId, 'StudyPeriod', `input.items.${i}.periodId`) : null));
      const subjects = new Map((await em.find(Subject, { id: { $in: subjectIds }, school: year.school.id })).map((s) => [s.id, s]));
      const periods = new Map((await em.find(StudyPeriod, { id: { $in: periodIds.filter((x): x is string => !!x) } })).map((s) => [s.id, s]));
      const seen = new Set<string>();
      input.items.forEach((it, i) => {
        const subject = subjects.get(subjectIds[i]);
        if (!subject) throw notFound('Subject');
        if (subject.archivedAt) p.add(UserErrorCode.ARCHIVED, `The subject «${subject.name}» is archived`, at('items', i, 'subjectId'));
        p.hours(it.hoursPerWeek, at('items', i, 'hoursPerWeek'));
        const periodId = periodIds[i];
        if (periodId) {
          const period = periods.get(periodId);
          if (!period || period.academicYear.id !== yearId) p.add(UserErrorCode.INVALID, 'The study period is not one of this academic year', at('items', i, 'periodId'));
          else if (!period.grades.includes(input.grade)) p.add(UserErrorCode.INVALID, `The study period «${period.name}» is not for grade ${input.grade}`, at('items', i, 'periodId'));
        }
        const key = `${subjectIds[i]}:${periodId ?? ''}`;
        if (seen.has(key)) p.add(UserErrorCode.DUPLICATE, `The subject «${subject.name}» is given more than once for the same period`, at('items', i, 'subjectId'));
        seen.add(key);
      });
      p.throwIfAny();
      const old = await em.find(CurriculumItem, { academicYear: yearId, grade: input.grade, profile: profile ?? null });
      const oldByKey = new Map(old.map((o) => [`${o.subject.id}:${o.period?.id ?? ''}`, o]));
      // Lines that stay keep their rows: the audit trail then shows only real changes.
      input.items.forEach((it, i) => {
        const key = `${subjectIds[i]}:${periodIds[i] ?? ''}`;
        const kept = oldByKey.get(key);
        if (kept) {
          if (hoursOf(kept.hoursPerWeek) !== it.hoursPerWeek) kept.hoursPerWeek = it.hoursPerWeek;
          oldByKey.delete(key);
        } else {
          em.create(CurriculumItem, {
            school: year.school, academicYear: year, grade: input.grade, profile: profile ?? null,
            subject: subjectIds[i], hoursPerWeek: it.hoursPerWeek, period: periodIds[i],
          });
        }
      });
      for (const gone of oldByKey.values()) em.remove(gone);
      await em.flush();
      return { curriculum: await this.loadCurriculum(em, yearId, input.grade, profile ?? null) };
    });
  }

  // ---- teaching assignments ----

  /** Assignments of a year, optionally of one class, group or teacher; a teacher sees only their own. */
  async teachingAssignments(ctx: Ctx, yearGlobalId: string, classGid?: string | null, groupGid?: string | null, teacherGid?: string | null): Promise<TeachingAssignment[]> {
    const year = await this.yearOf(ctx, fromGlobalId(yearGlobalId, 'AcademicYear', 'academicYearId'));
    const where: Record<string, unknown> = { academicYear: year.id };
    if (classGid) where.schoolClass = fromGlobalId(classGid, 'SchoolClass', 'classId');
    if (groupGid) where.group = fromGlobalId(groupGid, 'StudyGroup', 'groupId');
    if (teacherGid) where.teacher = fromGlobalId(teacherGid, 'Staff', 'teacherId');
    if (!hasRole(ctx.viewer, OVERSEERS, year.school.id)) where.teacher = { ...(teacherGid ? { id: where.teacher } : {}), user: ctx.viewer!.userId };
    const rows = await ctx.em.find(TeachingAssignment, where);
    return this.sortAssignments(ctx, rows);
  }

  /** A teacher's load: total weekly hours and lines per subject and class/group; with a period, that period's. */
  async teacherLoad(ctx: Ctx, staffGid: string, yearGid: string, periodGid?: string | null): Promise<TeacherLoad> {
    const staff = await ctx.loaders.staffById.load(fromGlobalId(staffGid, 'Staff', 'staffId'));
    if (!staff || !isMember(ctx, staff.school.id)) throw notFound('Staff member');
    if (staff.user.id !== ctx.viewer?.userId && !hasRole(ctx.viewer, OVERSEERS, staff.school.id)) throw notFound('Staff member');
    const year = await this.yearOf(ctx, fromGlobalId(yearGid, 'AcademicYear', 'academicYearId'));
    if (year.school.id !== staff.school.id) throw notFound('Academic year');
    const periodId = periodGid ? fromGlobalId(periodGid, 'StudyPeriod', 'periodId') : null;
    const rows = await ctx.em.find(TeachingAssignment, {
      teacher: staff.id, academicYear: year.id, ...(periodId ? { $or: [{ period: null }, { period: periodId }] } : {}),
    });
    const sorted = await this.sortAssignments(ctx, rows);
    const lines = new Map<string, TeacherLoadLine>();
    for (const a of sorted) {
      const key = `${a.subject.id}:${a.schoolClass?.id ?? ''}:${a.group?.id ?? ''}`;
      let line = lines.get(key);
      if (!line) {
        line = Object.assign(new TeacherLoadLine(), {
          subjectId: a.subject.id, schoolClassId: a.schoolClass?.id ?? null, groupId: a.group?.id ?? null, hoursPerWeek: 0, assignments: [],
        });
        lines.set(key, line);
      }
      line.assignments.push(a);
      line.hoursPerWeek = sum([line.hoursPerWeek, hoursOf(a.hoursPerWeek)]);
    }
    return Object.assign(new TeacherLoad(), {
      staffId: staff.id, academicYearId: year.id, lines: [...lines.values()], totalHoursPerWeek: sum([...lines.values()].map((l) => l.hoursPerWeek)),
    });
  }

  async teachingAssignmentCreate(ctx: Ctx, input: TeachingAssignmentCreateInput): Promise<WriteResult<{ teachingAssignment: TeachingAssignment }>> {
    const teacherId = fromGlobalId(input.teacherId, 'Staff', 'teacherId');
    const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    const periodId = input.periodId ? fromGlobalId(input.periodId, 'StudyPeriod', 'periodId') : null;
    return write(ctx, async (em) => {
      const ref = this.targetRef(input.classId, input.groupId);
      const target = await this.loadTarget(ctx, em, ref);
      assertRole(ctx, MANAGERS, target.schoolId, target.group ? 'Study group' : 'Class');
      const p = new CatalogProblems();
      // The teacher's row lock serialises their assignment writers for the uniqueness check.
      await this.checkTeacher(em, p, teacherId, target.schoolId);
      const subject = await em.findOne(Subject, { id: subjectId, school: target.schoolId });
      if (!subject) throw notFound('Subject');
      if (subject.archivedAt) p.add(UserErrorCode.ARCHIVED, `The subject «${subject.name}» is archived`, at('subjectId'));
      await this.checkPeriod(em, p, periodId, target.yearId);
      p.hours(input.hoursPerWeek, at('hoursPerWeek'));
      if (!p.any) await this.checkAssignmentUnique(em, p, teacherId, subjectId, target.id, periodId);
      p.throwIfAny();
      const teachingAssignment = em.create(TeachingAssignment, {
        school: target.schoolId, academicYear: target.yearId, teacher: teacherId, subject: subjectId,
        schoolClass: target.schoolClass ?? null, group: target.group ?? null, period: periodId, hoursPerWeek: input.hoursPerWeek,
      });
      await flush(em, { unique: () => this.assignmentTaken() });
      return { teachingAssignment };
    });
  }

  /** Changes the teacher, the hours or the period of an assignment. */
  async teachingAssignmentUpdate(ctx: Ctx, input: TeachingAssignmentUpdateInput): Promise<WriteResult<{ teachingAssignment: TeachingAssignment }>> {
    const id = fromGlobalId(input.teachingAssignmentId, 'TeachingAssignment', 'teachingAssignmentId');
    const teacherId = input.teacherId ? fromGlobalId(input.teacherId, 'Staff', 'teacherId') : undefined;
    const periodId = input.periodId === undefined ? undefined : input.periodId ? fromGlobalId(input.periodId, 'StudyPeriod', 'periodId') : null;
    return write(ctx, async (em) => {
      const a = await lockRow(em, TeachingAssignment, 'teaching_assignment', id);
      if (!a) throw notFound('Teaching assignment');
      assertRole(ctx, MANAGERS, a.school.id, 'Teaching assignment');
      const p = new CatalogProblems();
      const newTeacher = teacherId ?? a.teacher.id;
      const newPeriod = periodId === undefined ? a.period?.id ?? null : periodId;
      if (teacherId && teacherId !== a.teacher.id) await this.checkTeacher(em, p, teacherId, a.school.id);
      else await lockRow(em, Staff, 'staff', a.teacher.id);
      if (periodId) await this.checkPeriod(em, p, periodId, a.academicYear.id);
      if (input.hoursPerWeek != null) p.hours(input.hoursPerWeek, at('hoursPerWeek'));
      if (!p.any) await this.checkAssignmentUnique(em, p, newTeacher, a.subject.id, (a.schoolClass ?? a.group)!.id, newPeriod, id);
      p.throwIfAny();
      a.teacher = em.getReference(Staff, newTeacher, { wrapped: true });
      a.period = newPeriod ? em.getReference(StudyPeriod, newPeriod, { wrapped: true }) : null;
      if (input.hoursPerWeek != null) a.hoursPerWeek = input.hoursPerWeek;
      await flush(em, { unique: () => this.assignmentTaken() });
      return { teachingAssignment: a };
    });
  }

  async teachingAssignmentDelete(ctx: Ctx, input: TeachingAssignmentDeleteInput): Promise<WriteResult<{ deletedTeachingAssignmentId: string }>> {
    const id = fromGlobalId(input.teachingAssignmentId, 'TeachingAssignment', 'teachingAssignmentId');
    return write(ctx, async (em) => {
      const a = await lockRow(em, TeachingAssignment, 'teaching_assignment', id);
      if (!a) throw notFound('Teaching assignment');
      assertRole(ctx, MANAGERS, a.school.id, 'Teaching assignment');
      em.remove(a);
      try {
        await em.flush();
      } catch (e) {
        if (e instanceof ForeignKeyConstraintViolationException || (e as { code?: string }).code === '23001') {
          throw new UserErrorsException([userError(UserErrorCode.IN_USE, 'The assignment is in use and cannot be deleted', at('teachingAssignmentId'))]);
        }
        throw e;
      }
      return { deletedTeachingAssignmentId: toGlobalId('TeachingAssignment', id) };
    });
  }

  // ---- thematic plans ----

  /** The plan of a subject for a class/group, or null when there is none yet. */
  async thematicPlan(ctx: Ctx, yearGid: string, subjectGid: string, classGid?: string | null, groupGid?: string | null): Promise<ThematicPlan | null> {
    const yearId = fromGlobalId(yearGid, 'AcademicYear', 'academicYearId');
    const subjectId = fromGlobalId(subjectGid, 'Subject', 'subjectId');
    const ref = this.targetRef(classGid, groupGid, true);
    const target = await this.loadTarget(ctx, ctx.em, ref);
    if (target.yearId !== yearId) throw notFound('Thematic plan');
    if (!(await this.mayReadPlan(ctx, ctx.em, target, subjectId))) throw notFound('Thematic plan');
    return ctx.em.findOne(ThematicPlan, { academicYear: yearId, subject: subjectId, ...(target.group ? { group: target.id } : { schoolClass: target.id }) });
  }

  /** R-YEAR-8: replaces the topics of a plan (creating the plan when needed); topics keep their IDs by position. */
  async thematicPlanReplace(ctx: Ctx, input: ThematicPlanReplaceInput): Promise<WriteResult<{ thematicPlan: ThematicPlan }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const subjectId = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    return write(ctx, async (em) => {
      const ref = this.targetRef(input.classId, input.groupId);
      const target = await this.loadTarget(ctx, em, ref);
      const year = await em.findOne(AcademicYear, yearId);
      if (!year || year.school.id !== target.schoolId) throw notFound('Academic year');
      await this.assertMayWritePlan(ctx, em, target, subjectId);
      const p = new CatalogProblems();
      if (target.yearId !== yearId) p.add(UserErrorCode.INVALID, `«${target.name}» is not of the academic year «${year.name}»`, at(target.group ? 'groupId' : 'classId'));
      // The class/group row lock serialises plan writers, so a plan is created once.
      if (target.group) await lockRow(em, StudyGroup, 'study_group', target.id);
      else await lockRow(em, SchoolClass, 'school_class', target.id);
      const subject = await em.findOne(Subject, { id: subjectId, school: target.schoolId });
      if (!subject) throw notFound('Subject');
      let plan = await em.findOne(ThematicPlan, { academicYear: yearId, subject: subjectId, ...(target.group ? { group: target.id } : { schoolClass: target.id }) });
      if (!plan && subject.archivedAt) p.add(UserErrorCode.ARCHIVED, `The subject «${subject.name}» is archived`, at('subjectId'));
      const topics = this.checkTopics(p, input, year);
      p.throwIfAny();
      plan ??= em.create(ThematicPlan, {
        school: target.schoolId, academicYear: yearId, subject: subjectId, schoolClass: target.schoolClass ?? null, group: target.group ?? null,
      });
      const old = await em.find(PlannedTopic, { plan: plan.id }, { orderBy: { position: 'asc' } });
      topics.forEach((t, i) => {
        const row = old[i];
        if (row) {
          if (row.title !== t.title) row.title = t.title;
          if (row.hours !== t.hours) row.hours = t.hours;
          if ((row.plannedDate ?? null) !== t.plannedDate) row.plannedDate = t.plannedDate;
        } else {
          em.create(PlannedTopic, { plan, position: i + 1, ...t });
        }
      });
      for (const gone of old.slice(topics.length)) em.remove(gone);
      await em.flush();
      return { thematicPlan: plan };
    });
  }

  /** Puts the topics of a plan in a new order; `topicIds` must list each topic exactly once. */
  async plannedTopicsReorder(ctx: Ctx, input: PlannedTopicsReorderInput): Promise<WriteResult<{ thematicPlan: ThematicPlan }>> {
    const planId = fromGlobalId(input.planId, 'ThematicPlan', 'planId');
    return write(ctx, async (em) => {
      const plan = await lockRow(em, ThematicPlan, 'thematic_plan', planId);
      if (!plan) throw notFound('Thematic plan');
      const target = await this.loadTarget(ctx, em, plan.group ? { kind: 'group', id: plan.group.id } : { kind: 'class', id: plan.schoolClass!.id });
      await this.assertMayWritePlan(ctx, em, target, plan.subject.id);
      const topics = await em.find(PlannedTopic, { plan: planId }, { orderBy: { position: 'asc' } });
      const byId = new Map(topics.map((t) => [t.id, t]));
      const ids = input.topicIds.map((g) => {
        const parsed = parseGlobalId(g);
        return parsed?.type === 'PlannedTopic' ? parsed.id.toLowerCase() : null;
      });
      const distinct = new Set(ids);
      if (ids.length !== topics.length || distinct.size !== ids.length || ids.some((id) => !id || !byId.has(id))) {
        throw new UserErrorsException([userError(UserErrorCode.INVALID,
          `List each of the plan's ${topics.length} topics exactly once`, at('topicIds'))]);
      }
      ids.forEach((id, i) => {
        const t = byId.get(id!)!;
        if (t.position !== i + 1) t.position = i + 1;
      });
      // Positions swap within the transaction; their unique constraint is checked at commit.
      await em.flush();
      return { thematicPlan: plan };
    });
  }

  // ---- for field resolvers ----

  async topics(ctx: Ctx, plan: ThematicPlan): Promise<PlannedTopic[]> {
    return ctx.loaders.plannedTopicsByPlan.load(plan.id);
  }

  /** The display name of an assignment's or plan's class or group. */
  async targetName(ctx: Ctx, row: { schoolClass?: { id: string } | null; group?: { id: string } | null }): Promise<string> {
    if (row.schoolClass) return (await ctx.loaders.teachingClassById.load(row.schoolClass.id))?.name ?? '';
    return (await ctx.loaders.teachingGroupById.load(row.group!.id))?.name ?? '';
  }

  async subject(ctx: Ctx, id: string): Promise<Subject> {
    const s = await ctx.loaders.subjectById.load(id);
    if (!s) throw notFound('Subject');
    return s;
  }

  async staff(ctx: Ctx, id: string): Promise<Staff> {
    const s = await ctx.loaders.staffById.load(id);
    if (!s) throw notFound('Staff member');
    return s;
  }

  async period(ctx: Ctx, id: string | undefined | null): Promise<StudyPeriod | null> {
    return id ? ctx.loaders.studyPeriodById.load(id) : null;
  }

  async schoolClass(ctx: Ctx, id: string | undefined | null): Promise<SchoolClass | null> {
    return id ? ctx.loaders.teachingClassById.load(id) : null;
  }

  async group(ctx: Ctx, id: string | undefined | null): Promise<StudyGroup | null> {
    return id ? ctx.loaders.teachingGroupById.load(id) : null;
  }

  async academicYear(ctx: Ctx, id: string): Promise<AcademicYear> {
    return this.yearOf(ctx, id);
  }

  // ---- helpers ----

  private async yearOf(ctx: Ctx, yearId: string): Promise<AcademicYear> {
    const year = await ctx.loaders.academicYearById.load(yearId);
    if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
    return year;
  }

  private async loadCurriculum(em: EntityManager, yearId: string, grade: number, profile: string | null): Promise<Curriculum> {
    const items = await em.find(CurriculumItem, { academicYear: yearId, grade, profile }, { populate: ['subject'] });
    items.sort((a, b) => a.subject.getEntity().name.localeCompare(b.subject.getEntity().name, 'ru') || (a.period?.id ?? '').localeCompare(b.period?.id ?? ''));
    return Object.assign(new Curriculum(), {
      academicYearId: yearId, grade, profile, items,
      totalHoursPerWeek: sum(items.filter((i) => !i.period).map((i) => hoursOf(i.hoursPerWeek))),
    });
  }

  /** Exactly one of class and group; a query gets BAD_USER_INPUT, a mutation a userError. */
  private targetRef(classGid: string | null | undefined, groupGid: string | null | undefined, query = false): { kind: 'class' | 'group'; id: string } {
    if (!classGid === !groupGid) {
      const message = 'Give exactly one of classId and groupId';
      if (query) throw badInput(message, 'classId');
      throw new UserErrorsException([userError(UserErrorCode.INVALID, message, at('classId'))]);
    }
    return classGid ? { kind: 'class', id: fromGlobalId(classGid, 'SchoolClass', 'classId') } : { kind: 'group', id: fromGlobalId(groupGid!, 'StudyGroup', 'groupId') };
  }

  private async loadTarget(ctx: Ctx, em: EntityManager, ref: { kind: 'class' | 'group'; id: string }): Promise<ClassOrGroup> {
    if (ref.kind === 'class') {
      const c = await em.findOne(SchoolClass, ref.id);
      if (!c || !isMember(ctx, c.school.id)) throw notFound('Class');
      return { schoolClass: c, id: c.id, schoolId: c.school.id, yearId: c.academicYear.id, name: c.name };
    }
    const g = await em.findOne(StudyGroup, ref.id);
    if (!g || !isMember(ctx, g.school.id)) throw notFound('Study group');
    if (g.archivedAt) throw new UserErrorsException([userError(UserErrorCode.ARCHIVED, `The study group «${g.name}» is archived`, at('groupId'))]);
    return { group: g, id: g.id, schoolId: g.school.id, yearId: g.academicYear.id, name: g.name };
  }

  private async checkTeacher(em: EntityManager, p: CatalogProblems, teacherId: string, schoolId: string): Promise<void> {
    const teacher = await lockRow(em, Staff, 'staff', teacherId);
    if (!teacher || teacher.school.id !== schoolId) throw notFound('Staff member');
    if (teacher.archivedAt) p.add(UserErrorCode.ARCHIVED, 'The staff member is archived (has left)', at('teacherId'));
  }

  private async checkPeriod(em: EntityManager, p: CatalogProblems, periodId: string | null, yearId: string): Promise<void> {
    if (!periodId) return;
    const period = await em.findOne(StudyPeriod, periodId);
    if (!period || period.academicYear.id !== yearId) p.add(UserErrorCode.INVALID, 'The study period is not one of the academic year of the class/group', at('periodId'));
  }

  private async checkAssignmentUnique(em: EntityManager, p: CatalogProblems, teacherId: string, subjectId: string, targetId: string, periodId: string | null, exceptId?: string): Promise<void> {
    const rows = await em.execute(
      `select 1 from teaching_assignment where teacher_id = ? and subject_id = ? and coalesce(school_class_id, group_id) = ?
        and period_id is not distinct from ? and id <> ?`,
      [teacherId, subjectId, targetId, periodId, exceptId ?? '00000000-0000-0000-0000-000000000000']);
    if (rows.length) p.list.push(this.assignmentTaken());
  }

  private assignmentTaken() {
    return userError(UserErrorCode.TAKEN, 'This teacher already teaches this subject to this class/group in this period', at('teacherId'));
  }

  /** Whether the viewer teaches the subject to the class/group: today, or (`ever`) at some time of the assignment. */
  private async teaches(ctx: Ctx, em: EntityManager, target: ClassOrGroup, subjectId: string, when: 'today' | 'ever' = 'today'): Promise<boolean> {
    if (!hasRole(ctx.viewer, [Role.TEACHER, ...OVERSEERS], target.schoolId)) return false;
    return teaches(em, ctx.viewer!.userId, { subjectId, classId: target.schoolClass?.id, groupId: target.group?.id }, when);
  }

  private async mayReadPlan(ctx: Ctx, em: EntityManager, target: ClassOrGroup, subjectId: string): Promise<boolean> {
    // R-ROLE-4: a teacher keeps reading the plans of their own past teaching; writes need teaching today.
    return hasRole(ctx.viewer, OVERSEERS, target.schoolId) || this.teaches(ctx, em, target, subjectId, 'ever');
  }

  /** ADMIN/DEPUTY, or the assigned teacher; the director reads only; others do not see the plan. */
  private async assertMayWritePlan(ctx: Ctx, em: EntityManager, target: ClassOrGroup, subjectId: string): Promise<void> {
    if (hasRole(ctx.viewer, MANAGERS, target.schoolId)) return;
    if (await this.teaches(ctx, em, target, subjectId)) return;
    if (hasRole(ctx.viewer, OVERSEERS, target.schoolId)) throw forbidden('Thematic plans are edited by the administration and the teacher of the subject');
    throw notFound('Thematic plan');
  }

  private checkTopics(p: CatalogProblems, input: ThematicPlanReplaceInput, year: AcademicYear): { title: string; hours: number; plannedDate: string | null }[] {
    if (input.topics.length > TOPICS_MAX) {
      p.add(UserErrorCode.INVALID, `A plan has at most ${TOPICS_MAX} topics`, at('topics'));
      return [];
    }
    return input.topics.map((t, i) => {
      const title = p.text(t.title, at('topics', i, 'title'), `The title of topic ${i + 1}`, TOPIC_TITLE_MAX) ?? '';
      if (!Number.isInteger(t.hours) || t.hours < 1 || t.hours > TOPIC_HOURS_MAX) {
        p.add(UserErrorCode.INVALID, `The hours of topic ${i + 1} must be a whole number 1–${TOPIC_HOURS_MAX}`, at('topics', i, 'hours'));
      }
      const d = t.plannedDate ?? null;
      if (d && (d < year.startDate || d > year.endDate)) {
        p.add(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `The date of topic ${i + 1} (${d}) is outside the academic year «${year.name}» (${year.startDate} – ${year.endDate})`, at('topics', i, 'plannedDate'));
      }
      return { title, hours: t.hours, plannedDate: d };
    });
  }

  /** By subject name, then class/group name, then period; names come through the loaders (batched). */
  private async sortAssignments(ctx: Ctx, rows: TeachingAssignment[]): Promise<TeachingAssignment[]> {
    const keyed = await Promise.all(rows.map(async (a) => ({
      a, subject: (await ctx.loaders.subjectById.load(a.subject.id))?.name ?? '', target: await this.targetName(ctx, a),
    })));
    keyed.sort((x, y) => x.subject.localeCompare(y.subject, 'ru') || x.target.localeCompare(y.target, 'ru', { numeric: true })
      || (x.a.period?.id ?? '').localeCompare(y.a.period?.id ?? ''));
    return keyed.map((k) => k.a);
  }
}
