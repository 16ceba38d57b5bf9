import type { EntityClass, FilterQuery } from '@mikro-orm/core';
import { rolesOf } from '../permissions/capabilities';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { type Ctx, memberSchoolIds } from '../context';
import { School } from '../entities/school.entity';
import { AcademicYear, Holiday, StudyPeriod } from '../entities/academic-year.entity';
import { GradingSystem, GradingValue } from '../entities/grading-system.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { badInput, notFound } from '../schema/errors';
import { UserError, UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import { Problems, type WriteResult, addDays, assertMember, assertRole, at, flush, isMember, lockRow, write } from './shared';
import type {
  AcademicYearCreateInput, AcademicYearDeleteInput, AcademicYearUpdateInput, GradingSystemCreateInput,
  GradingSystemDeleteInput, GradingSystemUpdateInput, GradingValueInput, HolidayCreateInput, HolidayDeleteInput,
  HolidayUpdateInput, SchoolUpdateInput, StudyPeriodCreateInput, StudyPeriodDeleteInput, StudyPeriodUpdateInput,
} from '../schema/year.types';

/** R-ROLE-1, R-ROLE-3: who sets up the school year. */
const YEAR_MANAGERS = rolesOf('canManageYear');
export const MIN_GRADE = 1;
export const MAX_GRADE = 11;
const CODE_MAX = 20;
const LABEL_MAX = 100;
const VALUES_MAX = 50;
/** R-YEAR-2, R-JOUR-8: exempt and not attested; never current marks. */
const SPECIAL_FINAL_CODES = ['осв', 'н/а'];

/** R-JOUR-8: final marks are due two days before a period ends (its first day for a shorter period). */
export function defaultFinalMarkDeadline(startDate: string, endDate: string): string {
  const d = addDays(endDate, -2);
  return d < startDate ? startDate : d;
}

/** An IANA zone name such as "Europe/Moscow" (or "UTC"); offsets and abbreviations are refused. */
export function isTimeZone(tz: string): boolean {
  if (Intl.supportedValuesOf('timeZone').includes(tz)) return true;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const range = (start: string, end: string) => `${start} – ${end}`;
const names = (rows: { name: string }[]) => rows.map((r) => `«${r.name}»`).join(', ');
const codeKey = (code: string) => code.toLocaleLowerCase('ru');

/** Collects the userErrors of one school-year input. */
class YearProblems extends Problems {
  /** Start on or before end. */
  range(start: string, end: string): boolean {
    if (start <= end) return true;
    this.add(UserErrorCode.DATE_RANGE_INVALID, `The last day (${end}) is before the first day (${start})`, at('endDate'));
    return false;
  }

  /** Grade levels 1–11, at least one, each once; returned ascending, or null. */
  grades(grades: number[], field: string[]): number[] | null {
    if (grades.length === 0) {
      this.add(UserErrorCode.GRADE_INVALID, 'Give at least one grade level', field);
      return null;
    }
    const bad = grades.filter((g) => g < MIN_GRADE || g > MAX_GRADE);
    if (bad.length) {
      this.add(UserErrorCode.GRADE_INVALID, `Grade levels are ${MIN_GRADE}–${MAX_GRADE}; not ${[...new Set(bad)].join(', ')}`, field);
      return null;
    }
    const seen = new Set<number>();
    const repeated = new Set(grades.filter((g) => seen.has(g) || !seen.add(g)));
    if (repeated.size) {
      this.add(UserErrorCode.GRADE_INVALID, `Grade levels are given more than once: ${[...repeated].join(', ')}`, field);
      return null;
    }
    return [...grades].sort((a, b) => a - b);
  }

  /** Inside the academic year. */
  insideYear(year: AcademicYear, start: string, end: string): void {
    if (start < year.startDate) {
      this.add(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `The first day (${start}) is before the academic year «${year.name}» starts (${year.startDate})`, at('startDate'));
    }
    if (end > year.endDate) {
      this.add(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `The last day (${end}) is after the academic year «${year.name}» ends (${year.endDate})`, at('endDate'));
    }
  }
}

interface CheckedValue {
  code: string;
  label: string;
  numericValue: number | null;
  passing: boolean;
  finalOnly: boolean;
  quality: boolean;
  position: number;
}

/**
 * School-year structure: schools, academic years, study periods, holidays and grading systems
 * (R-YEAR-1, R-YEAR-2). Members of a school read it; its ADMIN and DEPUTY change it. Writes run in
 * one transaction each and lock the row whose children they check, so concurrent writers cannot
 * both pass an overlap check.
 */
export class YearService {
  constructor(private readonly config: AppConfig) {}

  // ---- reading (row scoping: only the viewer's schools) ----

  /** The schools the viewer holds a role in. */
  async schools(ctx: Ctx): Promise<School[]> {
    const ids = memberSchoolIds(ctx.viewer);
    if (ids.length === 0) return [];
    return ctx.em.find(School, { id: { $in: ids } }, { orderBy: { name: 'asc' } });
  }

  /** One school of the viewer; any other is NOT_FOUND. */
  async school(ctx: Ctx, globalId: string): Promise<School> {
    return this.schoolOf(ctx, fromGlobalId(globalId, 'School'));
  }

  /** One academic year of the viewer's schools; any other is NOT_FOUND. */
  async academicYear(ctx: Ctx, globalId: string): Promise<AcademicYear> {
    return this.academicYearOf(ctx, fromGlobalId(globalId, 'AcademicYear'));
  }

  async academicYears(ctx: Ctx, school: School): Promise<AcademicYear[]> {
    assertMember(ctx, school.id, 'School');
    return ctx.loaders.academicYearsBySchool.load(school.id);
  }

  /** A school by its uuid, for the viewer's schools only. */
  async schoolOf(ctx: Ctx, schoolId: string): Promise<School> {
    assertMember(ctx, schoolId, 'School');
    const school = await ctx.loaders.schoolById.load(schoolId);
    if (!school) throw notFound('School');
    return school;
  }

  /** An academic year by its uuid, for the viewer's schools only. */
  async academicYearOf(ctx: Ctx, yearId: string): Promise<AcademicYear> {
    const year = await ctx.loaders.academicYearById.load(yearId);
    if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
    return year;
  }

  /** Periods of a year, optionally only those of one grade level. */
  async studyPeriods(ctx: Ctx, year: AcademicYear, grade?: number | null): Promise<StudyPeriod[]> {
    assertMember(ctx, year.school.id, 'Academic year');
    this.checkGradeArg(grade);
    const periods = await ctx.loaders.studyPeriodsByYear.load(year.id);
    return grade == null ? periods : periods.filter((p) => p.grades.includes(grade));
  }

  /** Holidays of a year, optionally only those that apply to one grade level. */
  async holidays(ctx: Ctx, year: AcademicYear, grade?: number | null): Promise<Holiday[]> {
    assertMember(ctx, year.school.id, 'Academic year');
    this.checkGradeArg(grade);
    const holidays = await ctx.loaders.holidaysByYear.load(year.id);
    return grade == null ? holidays : holidays.filter((h) => h.grades == null || h.grades.includes(grade));
  }

  async gradingSystems(ctx: Ctx, school: School): Promise<GradingSystem[]> {
    assertMember(ctx, school.id, 'School');
    return ctx.loaders.gradingSystemsBySchool.load(school.id);
  }

  async gradingValues(ctx: Ctx, system: GradingSystem): Promise<GradingValue[]> {
    assertMember(ctx, system.school.id, 'Grading system');
    return ctx.loaders.gradingValuesBySystem.load(system.id);
  }

  // ---- school ----

  /** Renames the school or changes its time zone. */
  async schoolUpdate(ctx: Ctx, input: SchoolUpdateInput): Promise<WriteResult<{ school: School }>> {
    const id = fromGlobalId(input.schoolId, 'School', 'schoolId');
    this.assertCanManage(ctx, id, 'School');
    return write(ctx, async (em) => {
      const school = await lockRow(em, School, 'school', id);
      if (!school) throw notFound('School');
      const p = new YearProblems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name', 300) : undefined;
      let timeZone: string | undefined;
      if (input.timeZone != null) {
        timeZone = input.timeZone.trim();
        if (!isTimeZone(timeZone)) p.add(UserErrorCode.INVALID, `«${input.timeZone}» is not an IANA time zone such as "Europe/Moscow"`, at('timeZone'));
      }
      p.throwIfAny();
      if (name) school.name = name;
      if (timeZone) school.timeZone = timeZone;
      await em.flush();
      return { school };
    });
  }

  // ---- academic years ----

  /** Creates an academic year; names are unique and years do not overlap within a school. */
  async academicYearCreate(ctx: Ctx, input: AcademicYearCreateInput): Promise<WriteResult<{ academicYear: AcademicYear }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    this.assertCanManage(ctx, schoolId, 'School');
    return write(ctx, async (em) => {
      // Serialises year writers of the school for the overlap check.
      const school = await lockRow(em, School, 'school', schoolId);
      if (!school) throw notFound('School');
      const p = new YearProblems();
      const name = p.text(input.name, at('name'), 'The name');
      const rangeOk = p.range(input.startDate, input.endDate);
      if (name) await this.checkYearName(em, p, schoolId, name);
      if (rangeOk) await this.checkYearOverlap(em, p, schoolId, input.startDate, input.endDate);
      p.throwIfAny();
      const academicYear = em.create(AcademicYear, { school, name: name!, startDate: input.startDate, endDate: input.endDate });
      await flush(em, { unique: () => this.yearNameTaken(name!) });
      return { academicYear };
    });
  }

  /** Renames or moves an academic year; its periods and holidays must stay inside it. */
  async academicYearUpdate(ctx: Ctx, input: AcademicYearUpdateInput): Promise<WriteResult<{ academicYear: AcademicYear }>> {
    const id = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    return write(ctx, async (em) => {
      const year = await lockRow(em, AcademicYear, 'academic_year', id);
      if (!year) throw notFound('Academic year');
      const schoolId = year.school.id;
      this.assertCanManage(ctx, schoolId, 'Academic year');
      // Serialises year writers of the school for the overlap check.
      await lockRow(em, School, 'school', schoolId);
      const p = new YearProblems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name') : undefined;
      const start = input.startDate ?? year.startDate;
      const end = input.endDate ?? year.endDate;
      const rangeOk = p.range(start, end);
      if (name && name !== year.name) await this.checkYearName(em, p, schoolId, name, id);
      if (rangeOk && (start !== year.startDate || end !== year.endDate)) {
        await this.checkYearOverlap(em, p, schoolId, start, end, id);
        await this.checkChildrenInside(em, p, id, start, end);
      }
      p.throwIfAny();
      if (name) year.name = name;
      year.startDate = start;
      year.endDate = end;
      await flush(em, { unique: () => this.yearNameTaken(name!) });
      return { academicYear: year };
    });
  }

  /** Deletes an academic year that has no periods and no holidays (else IN_USE). */
  async academicYearDelete(ctx: Ctx, input: AcademicYearDeleteInput): Promise<WriteResult<{ deletedAcademicYearId: string; school: School }>> {
    const id = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    return write(ctx, async (em) => {
      const year = await lockRow(em, AcademicYear, 'academic_year', id);
      if (!year) throw notFound('Academic year');
      this.assertCanManage(ctx, year.school.id, 'Academic year');
      const periods = await em.count(StudyPeriod, { academicYear: id });
      const holidays = await em.count(Holiday, { academicYear: id });
      if (periods + holidays > 0) {
        throw new UserErrorsException([userError(UserErrorCode.IN_USE,
          `The academic year «${year.name}» still has ${periods} study period(s) and ${holidays} holiday(s): delete them first`, at('academicYearId'))]);
      }
      const school = await em.findOneOrFail(School, year.school.id);
      em.remove(year);
      await flush(em, { foreignKey: () => userError(UserErrorCode.IN_USE, `The academic year «${year.name}» is in use and cannot be deleted`, at('academicYearId')) });
      return { deletedAcademicYearId: toGlobalId('AcademicYear', id), school };
    });
  }

  // ---- study periods ----

  /** Creates a study period inside its year, not overlapping another period of a shared grade. */
  async studyPeriodCreate(ctx: Ctx, input: StudyPeriodCreateInput): Promise<WriteResult<{ studyPeriod: StudyPeriod }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    return write(ctx, async (em) => {
      // The year's row lock serialises period writers of the year for the overlap check.
      const year = await lockRow(em, AcademicYear, 'academic_year', yearId);
      if (!year) throw notFound('Academic year');
      this.assertCanManage(ctx, year.school.id, 'Academic year');
      const p = new YearProblems();
      const name = p.text(input.name, at('name'), 'The name');
      const grades = p.grades(input.grades, at('grades'));
      const rangeOk = p.range(input.startDate, input.endDate);
      let deadline = defaultFinalMarkDeadline(input.startDate, input.endDate);
      if (input.finalMarkDeadline != null) {
        deadline = input.finalMarkDeadline;
        if (rangeOk) this.checkDeadline(p, deadline, input.startDate, input.endDate, false);
      }
      if (rangeOk) p.insideYear(year, input.startDate, input.endDate);
      if (rangeOk && grades) await this.checkPeriodOverlap(em, p, yearId, grades, input.startDate, input.endDate);
      p.throwIfAny();
      const studyPeriod = em.create(StudyPeriod, {
        school: year.school, academicYear: year, name: name!, kind: input.kind, grades: grades!,
        startDate: input.startDate, endDate: input.endDate, finalMarkDeadline: deadline,
      });
      await em.flush();
      return { studyPeriod };
    });
  }

  /** Changes a study period; the same rules as on creation apply to the result. */
  async studyPeriodUpdate(ctx: Ctx, input: StudyPeriodUpdateInput): Promise<WriteResult<{ studyPeriod: StudyPeriod }>> {
    const id = fromGlobalId(input.studyPeriodId, 'StudyPeriod', 'studyPeriodId');
    return write(ctx, async (em) => {
      const { year, row: period } = await this.lockWithYear(ctx, em, StudyPeriod, 'study_period', id, 'no key update', 'Study period');
      const p = new YearProblems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name') : period.name;
      const grades = input.grades != null ? p.grades(input.grades, at('grades')) : period.grades;
      const start = input.startDate ?? period.startDate;
      const end = input.endDate ?? period.endDate;
      const rangeOk = p.range(start, end);
      let deadline: string;
      if (input.finalMarkDeadline != null) {
        deadline = input.finalMarkDeadline;
        if (rangeOk) this.checkDeadline(p, deadline, start, end, false);
      } else if (input.finalMarkDeadline === null || period.finalMarkDeadline === defaultFinalMarkDeadline(period.startDate, period.endDate)) {
        deadline = defaultFinalMarkDeadline(start, end);
      } else {
        deadline = period.finalMarkDeadline;
        if (rangeOk) this.checkDeadline(p, deadline, start, end, true);
      }
      if (rangeOk) p.insideYear(year, start, end);
      if (rangeOk && grades) await this.checkPeriodOverlap(em, p, year.id, grades, start, end, id);
      p.throwIfAny();
      Object.assign(period, { name: name!, grades: grades!, startDate: start, endDate: end, finalMarkDeadline: deadline });
      if (input.kind != null) period.kind = input.kind;
      await em.flush();
      return { studyPeriod: period };
    });
  }

  /** Deletes a study period (IN_USE while anything refers to it). */
  async studyPeriodDelete(ctx: Ctx, input: StudyPeriodDeleteInput): Promise<WriteResult<{ deletedStudyPeriodId: string; academicYear: AcademicYear }>> {
    const id = fromGlobalId(input.studyPeriodId, 'StudyPeriod', 'studyPeriodId');
    return write(ctx, async (em) => {
      const { year, row: period } = await this.lockWithYear(ctx, em, StudyPeriod, 'study_period', id, 'no key update', 'Study period');
      em.remove(period);
      await flush(em, { foreignKey: () => userError(UserErrorCode.IN_USE, `The study period «${period.name}» is in use and cannot be deleted`, at('studyPeriodId')) });
      return { deletedStudyPeriodId: toGlobalId('StudyPeriod', id), academicYear: year };
    });
  }

  // ---- holidays ----

  /** Creates a holiday inside its year, for the whole school or some grade levels. */
  async holidayCreate(ctx: Ctx, input: HolidayCreateInput): Promise<WriteResult<{ holiday: Holiday }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    return write(ctx, async (em) => {
      // Shared lock: holidays do not conflict with each other, only with a year being moved.
      const year = await lockRow(em, AcademicYear, 'academic_year', yearId, 'share');
      if (!year) throw notFound('Academic year');
      this.assertCanManage(ctx, year.school.id, 'Academic year');
      const p = new YearProblems();
      const name = p.text(input.name, at('name'), 'The name');
      const grades = input.grades != null ? p.grades(input.grades, at('grades')) : null;
      if (p.range(input.startDate, input.endDate)) p.insideYear(year, input.startDate, input.endDate);
      p.throwIfAny();
      const holiday = em.create(Holiday, {
        school: year.school, academicYear: year, name: name!, startDate: input.startDate, endDate: input.endDate, grades,
      });
      await em.flush();
      return { holiday };
    });
  }

  /** Changes a holiday; `grades: null` makes it apply to the whole school. */
  async holidayUpdate(ctx: Ctx, input: HolidayUpdateInput): Promise<WriteResult<{ holiday: Holiday }>> {
    const id = fromGlobalId(input.holidayId, 'Holiday', 'holidayId');
    return write(ctx, async (em) => {
      const { year, row: holiday } = await this.lockWithYear(ctx, em, Holiday, 'holiday', id, 'share', 'Holiday');
      const p = new YearProblems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name') : holiday.name;
      let grades = holiday.grades ?? null;
      if (input.grades === null) grades = null;
      else if (input.grades !== undefined) grades = p.grades(input.grades, at('grades'));
      const start = input.startDate ?? holiday.startDate;
      const end = input.endDate ?? holiday.endDate;
      if (p.range(start, end)) p.insideYear(year, start, end);
      p.throwIfAny();
      Object.assign(holiday, { name: name!, grades, startDate: start, endDate: end });
      await em.flush();
      return { holiday };
    });
  }

  /** Deletes a holiday. */
  async holidayDelete(ctx: Ctx, input: HolidayDeleteInput): Promise<WriteResult<{ deletedHolidayId: string; academicYear: AcademicYear }>> {
    const id = fromGlobalId(input.holidayId, 'Holiday', 'holidayId');
    return write(ctx, async (em) => {
      const { year, row: holiday } = await this.lockWithYear(ctx, em, Holiday, 'holiday', id, 'share', 'Holiday');
      em.remove(holiday);
      await flush(em, { foreignKey: () => userError(UserErrorCode.IN_USE, `The holiday «${holiday.name}» is in use and cannot be deleted`, at('holidayId')) });
      return { deletedHolidayId: toGlobalId('Holiday', id), academicYear: year };
    });
  }

  // ---- grading systems ----

  /** Creates a grading system with its values (R-YEAR-2). */
  async gradingSystemCreate(ctx: Ctx, input: GradingSystemCreateInput): Promise<WriteResult<{ gradingSystem: GradingSystem }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    this.assertCanManage(ctx, schoolId, 'School');
    return write(ctx, async (em) => {
      const p = new YearProblems();
      const name = p.text(input.name, at('name'), 'The name');
      const values = this.checkValues(p, input.values);
      if (name) await this.checkSystemName(em, p, schoolId, name);
      p.throwIfAny();
      const gradingSystem = em.create(GradingSystem, { school: schoolId, name: name!, kind: input.kind });
      for (const v of values!) em.create(GradingValue, { gradingSystem, ...v });
      await flush(em, { unique: () => this.systemNameTaken(name!) });
      return { gradingSystem };
    });
  }

  /**
   * Changes a grading system. A new value list replaces the old one matched by code: values of
   * the same code are updated in place (marks keep pointing at them), new codes are added, missing
   * ones removed; removing a value that marks use is refused with VALUE_IN_USE.
   */
  async gradingSystemUpdate(ctx: Ctx, input: GradingSystemUpdateInput): Promise<WriteResult<{ gradingSystem: GradingSystem }>> {
    const id = fromGlobalId(input.gradingSystemId, 'GradingSystem', 'gradingSystemId');
    return write(ctx, async (em) => {
      const system = await lockRow(em, GradingSystem, 'grading_system', id);
      if (!system) throw notFound('Grading system');
      this.assertCanManage(ctx, system.school.id, 'Grading system');
      const p = new YearProblems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name') : undefined;
      const values = input.values != null ? this.checkValues(p, input.values) : undefined;
      if (name && name !== system.name) await this.checkSystemName(em, p, system.school.id, name, id);
      p.throwIfAny();
      if (name) system.name = name;
      if (input.kind != null) system.kind = input.kind;
      const removed: GradingValue[] = [];
      if (values) {
        const existing = await em.find(GradingValue, { gradingSystem: id });
        const byCode = new Map(existing.map((v) => [v.code, v]));
        for (const v of values) {
          const old = byCode.get(v.code);
          if (old) {
            Object.assign(old, v);
            byCode.delete(v.code);
          } else {
            em.create(GradingValue, { gradingSystem: system, ...v });
          }
        }
        removed.push(...byCode.values());
        for (const v of removed) em.remove(v);
      }
      await flush(em, {
        unique: () => this.systemNameTaken(name!),
        foreignKey: (detail) => {
          const inUse = removed.filter((v) => detail.includes(v.id));
          return userError(UserErrorCode.VALUE_IN_USE,
            `The value ${names((inUse.length ? inUse : removed).map((v) => ({ name: v.code })))} is used by marks and cannot be removed`, at('values'));
        },
      });
      return { gradingSystem: system };
    });
  }

  /** Deletes a grading system with its values (IN_USE while anything uses them). */
  async gradingSystemDelete(ctx: Ctx, input: GradingSystemDeleteInput): Promise<WriteResult<{ deletedGradingSystemId: string; school: School }>> {
    const id = fromGlobalId(input.gradingSystemId, 'GradingSystem', 'gradingSystemId');
    return write(ctx, async (em) => {
      const system = await lockRow(em, GradingSystem, 'grading_system', id);
      if (!system) throw notFound('Grading system');
      this.assertCanManage(ctx, system.school.id, 'Grading system');
      const school = await em.findOneOrFail(School, system.school.id);
      em.remove(await em.find(GradingValue, { gradingSystem: id }));
      em.remove(system);
      await flush(em, { foreignKey: () => userError(UserErrorCode.IN_USE, `The grading system «${system.name}» is in use and cannot be deleted`, at('gradingSystemId')) });
      return { deletedGradingSystemId: toGlobalId('GradingSystem', id), school };
    });
  }

  // ---- helpers ----

  private assertCanManage(ctx: Ctx, schoolId: string, what: string): void {
    assertRole(ctx, YEAR_MANAGERS, schoolId, what, 'Setting up the school year requires the ADMIN or DEPUTY role in this school');
  }

  private checkGradeArg(grade: number | null | undefined): void {
    if (grade != null && (grade < MIN_GRADE || grade > MAX_GRADE)) throw badInput(`"grade" must be ${MIN_GRADE}–${MAX_GRADE}`, 'grade');
  }


  /** Locks the academic year of a period or holiday. */
  private async lockYearOf(em: EntityManager, table: 'study_period' | 'holiday', id: string, mode: 'no key update' | 'share'): Promise<AcademicYear | null> {
    const rows = await em.execute<Record<string, unknown>[]>(
      `select y.* from academic_year y join "${table}" c on c.academic_year_id = y.id where c.id = ? for ${mode} of y`, [id]);
    return rows[0] ? em.map(AcademicYear, rows[0] as never) : null;
  }

  /**
   * A period or holiday to change or delete, with its academic year locked (see lockYearOf).
   * NOT_FOUND (`what`) when either is missing or outside the viewer's schools; FORBIDDEN unless
   * the viewer sets up the school year there.
   */
  private async lockWithYear<T extends StudyPeriod | Holiday>(
    ctx: Ctx, em: EntityManager, entity: EntityClass<T>, table: 'study_period' | 'holiday', id: string, mode: 'no key update' | 'share', what: string,
  ): Promise<{ year: AcademicYear; row: T }> {
    const year = await this.lockYearOf(em, table, id, mode);
    if (!year) throw notFound(what);
    this.assertCanManage(ctx, year.school.id, what);
    const row = await em.findOne(entity, id as FilterQuery<T>);
    if (!row) throw notFound(what);
    return { year, row };
  }

  private yearNameTaken(name: string): UserError {
    return userError(UserErrorCode.TAKEN, `The school already has an academic year named «${name}»`, at('name'));
  }

  private systemNameTaken(name: string): UserError {
    return userError(UserErrorCode.TAKEN, `The school already has a grading system named «${name}»`, at('name'));
  }

  private async checkYearName(em: EntityManager, p: YearProblems, schoolId: string, name: string, exceptId?: string): Promise<void> {
    const other = await em.findOne(AcademicYear, { school: schoolId, name, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
    if (other) p.list.push(this.yearNameTaken(name));
  }

  private async checkSystemName(em: EntityManager, p: YearProblems, schoolId: string, name: string, exceptId?: string): Promise<void> {
    const other = await em.findOne(GradingSystem, { school: schoolId, name, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
    if (other) p.list.push(this.systemNameTaken(name));
  }

  private async checkYearOverlap(em: EntityManager, p: YearProblems, schoolId: string, start: string, end: string, exceptId?: string): Promise<void> {
    const others = await em.find(AcademicYear,
      { school: schoolId, startDate: { $lte: end }, endDate: { $gte: start }, ...(exceptId ? { id: { $ne: exceptId } } : {}) },
      { orderBy: { startDate: 'asc' } });
    for (const o of others) {
      p.add(UserErrorCode.OVERLAPS, `Overlaps the academic year «${o.name}» (${range(o.startDate, o.endDate)})`, at('startDate'));
    }
  }

  /** Moving a year must not leave its periods or holidays outside it. */
  private async checkChildrenInside(em: EntityManager, p: YearProblems, yearId: string, start: string, end: string): Promise<void> {
    const outside = { academicYear: yearId, $or: [{ startDate: { $lt: start } }, { endDate: { $gt: end } }] };
    const rows: { name: string; startDate: string; endDate: string }[] = [
      ...(await em.find(StudyPeriod, outside, { orderBy: { startDate: 'asc' } })),
      ...(await em.find(Holiday, outside, { orderBy: { startDate: 'asc' } })),
    ];
    const before = rows.filter((r) => r.startDate < start);
    const after = rows.filter((r) => r.endDate > end);
    if (before.length) p.add(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `${names(before)} would start before the year (${start}): change them first`, at('startDate'));
    if (after.length) p.add(UserErrorCode.OUTSIDE_ACADEMIC_YEAR, `${names(after)} would end after the year (${end}): change them first`, at('endDate'));
  }

  /** R-JOUR-8: the deadline for final marks lies within the period. */
  private checkDeadline(p: YearProblems, deadline: string, start: string, end: string, kept: boolean): void {
    if (deadline >= start && deadline <= end) return;
    p.add(UserErrorCode.DEADLINE_INVALID, kept
      ? `The current deadline for final marks (${deadline}) would lie outside the period (${range(start, end)}): give a new one`
      : `The deadline for final marks (${deadline}) must lie within the period (${range(start, end)})`, at('finalMarkDeadline'));
  }

  /** Periods of one year that share a grade level must not overlap. */
  private async checkPeriodOverlap(em: EntityManager, p: YearProblems, yearId: string, grades: number[], start: string, end: string, exceptId?: string): Promise<void> {
    const others = await em.find(StudyPeriod,
      { academicYear: yearId, startDate: { $lte: end }, endDate: { $gte: start }, ...(exceptId ? { id: { $ne: exceptId } } : {}) },
      { orderBy: { startDate: 'asc' } });
    for (const o of others) {
      const shared = o.grades.filter((g) => grades.includes(g));
      if (shared.length === 0) continue;
      p.add(UserErrorCode.OVERLAPS,
        `Overlaps the study period «${o.name}» (${range(o.startDate, o.endDate)}) for grade${shared.length > 1 ? 's' : ''} ${shared.join(', ')}`, at('startDate'));
    }
  }

  /** R-YEAR-2: codes unique and non-empty; «осв» and «н/а» only as final marks. */
  private checkValues(p: YearProblems, values: GradingValueInput[]): CheckedValue[] | null {
    if (values.length === 0) {
      p.add(UserErrorCode.REQUIRED, 'Give at least one value', at('values'));
      return null;
    }
    if (values.length > VALUES_MAX) {
      p.add(UserErrorCode.INVALID, `A grading system has at most ${VALUES_MAX} values`, at('values'));
      return null;
    }
    const errorsBefore = p.list.length;
    const seen = new Set<string>();
    const out = values.map((v, i): CheckedValue => {
      const code = p.text(v.code, at('values', i, 'code'), 'The code', CODE_MAX) ?? '';
      if (code) {
        if (seen.has(codeKey(code))) p.add(UserErrorCode.DUPLICATE, `The code «${code}» is given more than once`, at('values', i, 'code'));
        seen.add(codeKey(code));
      }
      const label = p.text(v.label, at('values', i, 'label'), 'The label', LABEL_MAX) ?? '';
      const finalOnly = v.finalOnly ?? false;
      if (SPECIAL_FINAL_CODES.includes(codeKey(code))) {
        if (!finalOnly) p.add(UserErrorCode.INVALID, `«${code}» is a final mark only: set finalOnly`, at('values', i, 'finalOnly'));
        if (v.numericValue != null) p.add(UserErrorCode.INVALID, `«${code}» has no numeric value`, at('values', i, 'numericValue'));
      }
      const quality = v.quality ?? false;
      if (quality && (!v.passing || finalOnly)) p.add(UserErrorCode.INVALID, `«${code}» counts as quality only if it is passing and not final-only`, at('values', i, 'quality'));
      return { code, label, numericValue: v.numericValue ?? null, passing: v.passing, finalOnly, quality, position: i };
    });
    if (out.every((v) => v.finalOnly)) p.add(UserErrorCode.INVALID, 'At least one value must be usable for current marks (not final-only)', at('values'));
    return p.list.length > errorsBefore ? null : out;
  }
}

