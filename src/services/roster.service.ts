import type { EntityManager, Ref } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { Role, RoleAssignment, User } from '../entities/user.entity';
import { School } from '../entities/school.entity';
import { AcademicYear } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Staff } from '../entities/staff.entity';
import { ConsentStatus, Guardian, Student, StudentGuardian } from '../entities/student.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { badInput, forbidden, notFound, unauthenticated } from '../schema/errors';
import { UserError, UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import { uuidArray, viewerKey } from '../loaders/roster.loaders';
import { Problems, type WriteResult, at, dateIn, flush, isMember, lockRow, write } from './shared';
import { hashPassword, oneTimePassword } from './auth.service';
import { administersSchool, rolesOf } from '../permissions/capabilities';
import { clock } from '../clock';
import {
  CredentialHolder, type ClassCreateInput, type ClassCredentialsIssueInput, type ClassUpdateInput, type CredentialsIssueInput,
  type CredentialsSheetRow, type GuardianCreateInput, type GuardianLinkInput, type GuardianUnlinkInput, type GuardianUpdateInput,
  type IssuedCredentials, type StudentCreateInput, type StudentUpdateInput,
} from '../schema/roster.types';
import { leadsClass, FAMILY_ACCESS_REASONS } from './participation';
import { LeanRef, leanRow } from '../db/lean';

/** R-ROLE-1, R-ROLE-3: who sets up classes and enrols new students (the capability table). */
const ROSTER_MANAGERS = rolesOf('canManageClasses');
/** R-ROLE-5: who edits any student's and guardian's data besides the class teacher. */
const STUDENT_MAINTAINERS = rolesOf('canMaintainStudents');
/** R-SEC-1: who hands out credentials besides the class teacher. */
const CREDENTIAL_ISSUERS = rolesOf('canIssueCredentials');
const MIN_GRADE = 1;
const MAX_GRADE = 11;
const SHORT_MAX = 50;
const LETTER_MAX = 5;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[0-9+()\-\s]{5,30}$/;
/** Student pseudonyms: "У-0001", numbered per school. */
const PSEUDONYM_PREFIX = 'У-';

/** UTC date: only for the plausibility check of birth dates. */
const today = () => clock.now().toISOString().slice(0, 10);

export const fullName = (p: { lastName?: string | null; firstName?: string | null; middleName?: string | null }): string | null => {
  const name = [p.lastName, p.firstName, p.middleName].filter(Boolean).join(' ');
  return name || null;
};

const TRANSLIT: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o',
  п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e',
  ю: 'yu', я: 'ya',
};

/** Latin login stem from a Russian (or Latin) name: "Иванова Мария" → "ivanova.m". */
export function loginStem(lastName: string, firstName: string): string {
  const tr = (s: string) => [...s.toLocaleLowerCase('ru')].map((ch) => TRANSLIT[ch] ?? ch).join('').replace(/[^a-z]/g, '');
  const stem = `${tr(lastName).slice(0, 20) || 'user'}.${tr(firstName).slice(0, 1) || 'x'}`;
  return stem;
}

/** Collects the userErrors of one roster input. */
class RosterProblems extends Problems {
  email(value: string | null, field: string[]): string | null {
    const v = this.optionalText(value, field, 'The e-mail');
    if (v && !EMAIL.test(v)) this.add(UserErrorCode.INVALID, `«${v}» is not an e-mail address`, field);
    return v;
  }

  phone(value: string | null, field: string[]): string | null {
    const v = this.optionalText(value, field, 'The phone', SHORT_MAX);
    if (v && !PHONE.test(v)) this.add(UserErrorCode.INVALID, `«${v}» is not a phone number`, field);
    return v;
  }

  grade(grade: number, field: string[]): void {
    if (!Number.isInteger(grade) || grade < MIN_GRADE || grade > MAX_GRADE) {
      this.add(UserErrorCode.GRADE_INVALID, `Grade levels are ${MIN_GRADE}–${MAX_GRADE}; not ${grade}`, field);
    }
  }
}

const STUDENT_PD_FIELDS = ['lastName', 'firstName', 'middleName', 'birthDate', 'sex', 'enrolmentNumber', 'phone', 'email'] as const;
type StudentPd = Pick<Student, (typeof STUDENT_PD_FIELDS)[number]>;

/**
 * Classes and people (R-YEAR-4, R-ROLE-5, R-SEC-1, R-SEC-3, R-SEC-4). Lists of students and every
 * read of personal data go through `student_access_at` (participation today) in SQL. Writes run in one transaction
 * each; the class teacher's right to edit a student is checked against current class membership.
 */
export class RosterService {
  constructor(private readonly config: AppConfig) {}

  // ---- classes: reading ----

  /** Classes of an academic year of the viewer's schools, by grade and letter (not personal data). */
  async classes(ctx: Ctx, academicYearGlobalId: string): Promise<SchoolClass[]> {
    const yearId = fromGlobalId(academicYearGlobalId, 'AcademicYear', 'academicYearId');
    const year = await ctx.loaders.academicYearById.load(yearId);
    if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
    return ctx.em.find(SchoolClass, { academicYear: yearId }, { orderBy: { grade: 'asc', letter: 'asc' } });
  }

  /** One class of the viewer's schools; any other is NOT_FOUND. */
  async schoolClass(ctx: Ctx, globalId: string): Promise<SchoolClass> {
    return this.classOf(ctx, fromGlobalId(globalId, 'SchoolClass'));
  }

  async classOf(ctx: Ctx, classId: string): Promise<SchoolClass> {
    const c = await ctx.loaders.schoolClassById.load(classId);
    if (!c || !isMember(ctx, c.school.id)) throw notFound('Class');
    return c;
  }

  async classTeacher(ctx: Ctx, c: SchoolClass): Promise<Staff | null> {
    if (!c.classTeacher) return null;
    return ctx.loaders.staffById.load(c.classTeacher.id);
  }

  async classTeacherName(ctx: Ctx, c: SchoolClass): Promise<string | null> {
    const staff = await this.classTeacher(ctx, c);
    return staff ? staff.user.getEntity().fullName : null;
  }

  /** R-SEC-3: members of the class on `onDate` (default today) whom the viewer takes part in educating. */
  async classStudents(ctx: Ctx, c: SchoolClass, onDate?: string | null): Promise<Student[]> {
    const viewer = this.viewerId(ctx);
    // The administration of the class's school sees all its members: no per-student access test.
    const who = administersSchool(ctx.viewer, c.school.id) ? '' : viewer;
    const students = await ctx.loaders.classStudents.load(`${who}|${c.id}|${onDate ?? (await this.schoolToday(ctx, c.school.id))}`);
    // Each was listed because the viewer takes part in their education now (the same test as
    // studentAccess): one access decision for the request, not a second statement per field.
    if (who) for (const s of students) ctx.loaders.studentAccess.prime(viewerKey(who, s.id), true);
    return students;
  }

  /** Today's date where the school is (memberships change at the school's midnight). */
  private async schoolToday(ctx: Ctx, schoolId: string): Promise<string> {
    return dateIn(await ctx.services.schoolZones.of(ctx.em, schoolId), clock.now());
  }

  // ---- classes: writing ----

  /** Creates a class of an academic year (R-YEAR-4); grade + letter unique per year. */
  async classCreate(ctx: Ctx, input: ClassCreateInput): Promise<WriteResult<{ schoolClass: SchoolClass }>> {
    const yearId = fromGlobalId(input.academicYearId, 'AcademicYear', 'academicYearId');
    const teacherId = input.classTeacherId != null ? fromGlobalId(input.classTeacherId, 'Staff', 'classTeacherId') : null;
    return write(ctx, async (em) => {
      const year = await em.findOne(AcademicYear, yearId);
      if (!year || !isMember(ctx, year.school.id)) throw notFound('Academic year');
      this.assertManager(ctx, year.school.id);
      const p = new RosterProblems();
      p.grade(input.grade, at('grade'));
      const letter = p.text(input.letter, at('letter'), 'The letter', LETTER_MAX)?.toLocaleUpperCase('ru') ?? null;
      const profile = p.optionalText(input.profile ?? null, at('profile'), 'The profile');
      const teacher = teacherId ? await this.checkTeacher(em, p, year.school.id, teacherId) : null;
      if (letter && await em.count(SchoolClass, { academicYear: yearId, grade: input.grade, letter })) {
        p.add(UserErrorCode.TAKEN, `The year already has a class ${input.grade}${letter}`, at('letter'));
      }
      p.throwIfAny();
      const schoolClass = em.create(SchoolClass, {
        school: year.school, academicYear: year, grade: input.grade, letter: letter!, profile, classTeacher: teacher,
      });
      await flush(em, { unique: () => userError(UserErrorCode.TAKEN, `The year already has a class ${input.grade}${letter}`, at('letter')) });
      return { schoolClass };
    });
  }

  /** Changes grade, letter, profile or class teacher of a class. */
  async classUpdate(ctx: Ctx, input: ClassUpdateInput): Promise<WriteResult<{ schoolClass: SchoolClass }>> {
    const id = fromGlobalId(input.classId, 'SchoolClass', 'classId');
    const teacherId = input.classTeacherId != null ? fromGlobalId(input.classTeacherId, 'Staff', 'classTeacherId') : null;
    return write(ctx, async (em) => {
      const c = await lockRow(em, SchoolClass, 'school_class', id);
      if (!c || !isMember(ctx, c.school.id)) throw notFound('Class');
      this.assertManager(ctx, c.school.id);
      const p = new RosterProblems();
      if (input.grade != null) p.grade(input.grade, at('grade'));
      const letter = input.letter != null ? p.text(input.letter, at('letter'), 'The letter', LETTER_MAX)?.toLocaleUpperCase('ru') : undefined;
      const profile = input.profile !== undefined ? p.optionalText(input.profile, at('profile'), 'The profile') : undefined;
      const teacher = teacherId ? await this.checkTeacher(em, p, c.school.id, teacherId) : null;
      const grade = input.grade ?? c.grade;
      const newLetter = letter ?? c.letter;
      if ((grade !== c.grade || newLetter !== c.letter)
        && await em.count(SchoolClass, { academicYear: c.academicYear.id, grade, letter: newLetter, id: { $ne: id } })) {
        p.add(UserErrorCode.TAKEN, `The year already has a class ${grade}${newLetter}`, at('letter'));
      }
      p.throwIfAny();
      c.grade = grade;
      c.letter = newLetter;
      if (profile !== undefined) c.profile = profile;
      if (input.classTeacherId !== undefined) c.classTeacher = teacher ? em.getReference(Staff, teacher.id) as never : null;
      await flush(em, { unique: () => userError(UserErrorCode.TAKEN, `The year already has a class ${grade}${newLetter}`, at('letter')) });
      return { schoolClass: c };
    });
  }

  // ---- students and guardians: reading ----

  /** R-SEC-3: a student the viewer takes part in educating; any other is NOT_FOUND. */
  async student(ctx: Ctx, globalId: string): Promise<Student> {
    const id = fromGlobalId(globalId, 'Student');
    const s = await ctx.loaders.studentById.load(id);
    if (!s || !(await this.canSeeStudent(ctx, id))) throw notFound('Student');
    return s;
  }

  /**
   * R-ROLE-6, R-ROLE-7 (`me { students }`): the viewer's own children as a guardian and their own
   * student record, by the same access check as `student(id)` (`student_access_at`, reasons GUARDIAN
   * and SELF), so both agree: a removed link or a child who left the school is gone. Students a
   * staff member sees through their work (classes, lessons, administration) are not listed here.
   */
  async ownStudents(ctx: Ctx): Promise<Student[]> {
    const rows = await ctx.em.execute<Record<string, unknown>[]>(
      `select s.* from student s
        where s.id in (select a.student_id from student_access_at(?::timestamptz) a where a.user_id = ? and a.reason = any(?::text[]))
        order by s.last_name nulls last, s.first_name nulls last, s.pseudonym`,
      [clock.now().toISOString(), this.viewerId(ctx), `{${FAMILY_ACCESS_REASONS.join(',')}}`]);
    const students = rows.map((r) => leanRow(Student, r));
    for (const s of students) ctx.loaders.studentAccess.prime(viewerKey(ctx.viewer!.userId, s.id), true);
    return students;
  }

  /** R-SEC-3: the viewer takes part in the student's education today (`student_access_at`; one query per request batch). */
  async canSeeStudent(ctx: Ctx, studentId: string, schoolId?: string): Promise<boolean> {
    if (!ctx.viewer) return false;
    // The administration of the student's school (when the caller knows the school): from the roles.
    if (schoolId && administersSchool(ctx.viewer, schoolId)) return true;
    return ctx.loaders.studentAccess.load(viewerKey(ctx.viewer.userId, studentId));
  }

  async canSeeGuardian(ctx: Ctx, guardianId: string, schoolId?: string): Promise<boolean> {
    if (!ctx.viewer) return false;
    if (schoolId && administersSchool(ctx.viewer, schoolId)) return true;
    return ctx.loaders.guardianAccess.load(viewerKey(ctx.viewer.userId, guardianId));
  }

  /** R-SEC-3, R-SEC-4: a personal-data value, or null without access, without consent or after erasure. */
  async studentPd<K extends keyof StudentPd>(ctx: Ctx, s: Student, field: K): Promise<NonNullable<StudentPd[K]> | null> {
    if (s.erasedAt || s.consentStatus !== ConsentStatus.GIVEN) return null;
    return (await this.canSeeStudent(ctx, s.id, s.school.id)) ? (s[field] as NonNullable<StudentPd[K]>) ?? null : null;
  }

  async studentFullName(ctx: Ctx, s: Student): Promise<string | null> {
    if (s.erasedAt || s.consentStatus !== ConsentStatus.GIVEN) return null;
    return (await this.canSeeStudent(ctx, s.id, s.school.id)) ? fullName(s) : null;
  }

  /** Current guardian links of a student, for viewers with access to the student. */
  async studentGuardians(ctx: Ctx, s: Student): Promise<StudentGuardian[]> {
    if (!(await this.canSeeStudent(ctx, s.id, s.school.id))) return [];
    const links = await ctx.loaders.guardianLinksByStudent.load(s.id);
    // Their student is `s`, read in this request: `linkGuardian` decides access from its school
    // (the administration's fast path) without a statement.
    for (const l of links) if (!l.student.isInitialized()) (l as { student: unknown }).student = new LeanRef(s.id, s);
    return links;
  }

  async currentClass(ctx: Ctx, s: Student): Promise<SchoolClass | null> {
    if (!(await this.canSeeStudent(ctx, s.id, s.school.id))) return null;
    return ctx.loaders.classOfStudent.load(`${s.id}|${await this.schoolToday(ctx, s.school.id)}`);
  }

  async linkGuardian(ctx: Ctx, link: StudentGuardian): Promise<Guardian | null> {
    if (!(await this.canSeeStudent(ctx, link.student.id, loadedSchoolOf(link.student)))) return null;
    // A current link of a student the viewer takes part in educating: what guardianAccess tests.
    if (!link.removedAt) ctx.loaders.guardianAccess.prime(viewerKey(ctx.viewer!.userId, link.guardian.id), true);
    // Read with the link (guardianLinksByStudent): the same row guardianById would read.
    if (link.guardian instanceof LeanRef && link.guardian.isInitialized()) ctx.loaders.guardianById.prime(link.guardian.id, link.guardian.unwrap() as Guardian);
    return ctx.loaders.guardianById.load(link.guardian.id);
  }

  async linkStudent(ctx: Ctx, link: StudentGuardian): Promise<Student | null> {
    if (!(await this.canSeeStudent(ctx, link.student.id, loadedSchoolOf(link.student)))) return null;
    return ctx.loaders.studentById.load(link.student.id);
  }

  /** R-SEC-3: a guardian's personal data, for viewers with access to one of their children (or the school's administration). */
  async guardianPd<K extends 'lastName' | 'firstName' | 'middleName' | 'phone' | 'email'>(ctx: Ctx, g: Guardian, field: K): Promise<string | null> {
    if (g.erasedAt) return null;
    return (await this.canSeeGuardian(ctx, g.id, g.school.id)) ? g[field] ?? null : null;
  }

  async guardianFullName(ctx: Ctx, g: Guardian): Promise<string | null> {
    if (g.erasedAt) return null;
    return (await this.canSeeGuardian(ctx, g.id, g.school.id)) ? fullName(g) : null;
  }

  // ---- students and guardians: writing ----

  /** Enrols a student record with the next pseudonym of the school; personal data wait for consent (R-SEC-4). */
  async studentCreate(ctx: Ctx, input: StudentCreateInput): Promise<WriteResult<{ student: Student }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    if (!isMember(ctx, schoolId)) throw notFound('School');
    this.assertManager(ctx, schoolId);
    return write(ctx, async (em) => {
      // Serialises pseudonym numbering within the school.
      const school = await lockRow(em, School, 'school', schoolId);
      if (!school) throw notFound('School');
      const p = new RosterProblems();
      const pd = this.checkStudentPd(p, input, ConsentStatus.NONE);
      p.throwIfAny();
      const [{ n }] = await em.execute<{ n: number }[]>(
        `select coalesce(max(substring(pseudonym from '^${PSEUDONYM_PREFIX}([0-9]+)$')::int), 0) + 1 as n from student where school_id = ?`, [schoolId]);
      const student = em.create(Student, { school, pseudonym: `${PSEUDONYM_PREFIX}${String(n).padStart(4, '0')}`, ...pd });
      await em.flush();
      return { student };
    });
  }

  /** Changes a student's personal data: only with consent GIVEN (R-SEC-4), by ADMIN/DEPUTY or the class teacher (R-ROLE-5). */
  async studentUpdate(ctx: Ctx, input: StudentUpdateInput): Promise<WriteResult<{ student: Student }>> {
    const id = fromGlobalId(input.studentId, 'Student', 'studentId');
    return write(ctx, async (em) => {
      // Locked against a concurrent consent withdrawal.
      const student = await lockRow(em, Student, 'student', id);
      await this.assertCanEditStudent(ctx, em, student);
      const p = new RosterProblems();
      if (student!.erasedAt) {
        p.add(UserErrorCode.NO_CONSENT, 'The personal data of this student were erased', at('studentId'));
        p.throwIfAny();
      }
      const pd = this.checkStudentPd(p, input, student!.consentStatus);
      p.throwIfAny();
      Object.assign(student!, pd);
      await em.flush();
      return { student: student! };
    });
  }

  /** Creates a guardian of a student and links them (R-ROLE-5). */
  async guardianCreate(ctx: Ctx, input: GuardianCreateInput): Promise<WriteResult<{ guardian: Guardian; link: StudentGuardian }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    return write(ctx, async (em) => {
      const student = await lockRow(em, Student, 'student', studentId, 'share');
      await this.assertCanEditStudent(ctx, em, student);
      const p = new RosterProblems();
      const lastName = p.text(input.lastName, at('lastName'), 'The family name');
      const firstName = p.text(input.firstName, at('firstName'), 'The given name');
      const middleName = p.optionalText(input.middleName ?? null, at('middleName'), 'The patronymic');
      const phone = p.phone(input.phone ?? null, at('phone'));
      const email = p.email(input.email ?? null, at('email'));
      p.throwIfAny();
      const guardian = em.create(Guardian, { school: student!.school, lastName, firstName, middleName, phone, email });
      const link = em.create(StudentGuardian, { student: student!, guardian, kind: input.kind });
      await em.flush();
      return { guardian, link };
    });
  }

  /** Changes a guardian's data: ADMIN/DEPUTY, or the class teacher of one of their children. */
  async guardianUpdate(ctx: Ctx, input: GuardianUpdateInput): Promise<WriteResult<{ guardian: Guardian }>> {
    const id = fromGlobalId(input.guardianId, 'Guardian', 'guardianId');
    return write(ctx, async (em) => {
      const guardian = await lockRow(em, Guardian, 'guardian', id);
      await this.assertCanEditGuardian(ctx, em, guardian);
      const p = new RosterProblems();
      if (guardian!.erasedAt) {
        p.add(UserErrorCode.NO_CONSENT, 'The personal data of this guardian were erased', at('guardianId'));
        p.throwIfAny();
      }
      const lastName = input.lastName != null ? p.text(input.lastName, at('lastName'), 'The family name') : undefined;
      const firstName = input.firstName != null ? p.text(input.firstName, at('firstName'), 'The given name') : undefined;
      const middleName = input.middleName !== undefined ? p.optionalText(input.middleName, at('middleName'), 'The patronymic') : undefined;
      const phone = input.phone !== undefined ? p.phone(input.phone, at('phone')) : undefined;
      const email = input.email !== undefined ? p.email(input.email, at('email')) : undefined;
      p.throwIfAny();
      const g = guardian!;
      if (lastName) g.lastName = lastName;
      if (firstName) g.firstName = firstName;
      if (middleName !== undefined) g.middleName = middleName;
      if (phone !== undefined) g.phone = phone;
      if (email !== undefined) g.email = email;
      await em.flush();
      return { guardian: g };
    });
  }

  /** Links an existing guardian of the school to another student. */
  async guardianLink(ctx: Ctx, input: GuardianLinkInput): Promise<WriteResult<{ link: StudentGuardian }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const guardianId = fromGlobalId(input.guardianId, 'Guardian', 'guardianId');
    return write(ctx, async (em) => {
      const student = await lockRow(em, Student, 'student', studentId);
      await this.assertCanEditStudent(ctx, em, student);
      const guardian = await em.findOne(Guardian, guardianId);
      // A guardian of another school does not exist for this student.
      if (!guardian || guardian.school.id !== student!.school.id) throw notFound('Guardian');
      if (await em.count(StudentGuardian, { student: studentId, guardian: guardianId, removedAt: null })) {
        throw new UserErrorsException([userError(UserErrorCode.ALREADY_MEMBER, 'The guardian is already linked to the student', at('guardianId'))]);
      }
      const link = em.create(StudentGuardian, { student: student!, guardian, kind: input.kind });
      await flush(em, { unique: () => userError(UserErrorCode.ALREADY_MEMBER, 'The guardian is already linked to the student', at('guardianId')) });
      return { link };
    });
  }

  /** Ends a guardian link; the row stays with `removedAt` for history (and the guardian loses access). */
  async guardianUnlink(ctx: Ctx, input: GuardianUnlinkInput): Promise<WriteResult<{ link: StudentGuardian }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const guardianId = fromGlobalId(input.guardianId, 'Guardian', 'guardianId');
    return write(ctx, async (em) => {
      const student = await lockRow(em, Student, 'student', studentId);
      await this.assertCanEditStudent(ctx, em, student);
      const link = await em.findOne(StudentGuardian, { student: studentId, guardian: guardianId, removedAt: null });
      if (!link) throw new UserErrorsException([userError(UserErrorCode.NOT_MEMBER, 'The guardian is not linked to the student', at('guardianId'))]);
      link.removedAt = new Date();
      await em.flush();
      return { link };
    });
  }

  // ---- credentials (R-SEC-1, R-ROLE-5) ----

  /** Issues a diary account to one student (consent GIVEN) or a parent account to one guardian. */
  async credentialsIssue(ctx: Ctx, input: CredentialsIssueInput): Promise<WriteResult<{ credentials: IssuedCredentials }>> {
    if ((input.studentId == null) === (input.guardianId == null)) throw badInput('Give exactly one of "studentId" and "guardianId"', 'input');
    const studentId = input.studentId != null ? fromGlobalId(input.studentId, 'Student', 'studentId') : null;
    const guardianId = input.guardianId != null ? fromGlobalId(input.guardianId, 'Guardian', 'guardianId') : null;
    return write(ctx, async (em) => {
      if (studentId) {
        const student = await lockRow(em, Student, 'student', studentId);
        await this.assertCanEditStudent(ctx, em, student, CREDENTIAL_ISSUERS);
        const problem = this.studentIssueProblem(student!);
        if (problem) throw new UserErrorsException([problem]);
        return { credentials: await this.issueToStudent(em, student!) };
      }
      const guardian = await lockRow(em, Guardian, 'guardian', guardianId!);
      await this.assertCanEditGuardian(ctx, em, guardian, CREDENTIAL_ISSUERS);
      const problem = this.guardianIssueProblem(guardian!);
      if (problem) throw new UserErrorsException([problem]);
      return { credentials: await this.issueToGuardian(em, guardian!) };
    });
  }

  /** Issues accounts to every current student of the class (with consent) and their guardians who have none. */
  async classCredentialsIssue(ctx: Ctx, input: ClassCredentialsIssueInput): Promise<WriteResult<{ issued: IssuedCredentials[] }>> {
    const classId = fromGlobalId(input.classId, 'SchoolClass', 'classId');
    return write(ctx, async (em) => {
      const c = await lockRow(em, SchoolClass, 'school_class', classId, 'share');
      await this.assertClassTeacherOrIssuer(ctx, em, c);
      const { students, guardians } = await this.classPeople(em, classId, true);
      const issued: IssuedCredentials[] = [];
      for (const s of students) if (!this.studentIssueProblem(s)) issued.push(await this.issueToStudent(em, s));
      for (const { guardian } of guardians) if (!this.guardianIssueProblem(guardian)) issued.push(await this.issueToGuardian(em, guardian));
      return { issued };
    });
  }

  /** R-SEC-1: the printable list of a class's students and guardians with their logins (never passwords). */
  async classCredentialsSheet(ctx: Ctx, classGlobalId: string): Promise<CredentialsSheetRow[]> {
    const classId = fromGlobalId(classGlobalId, 'SchoolClass', 'classId');
    const c = await ctx.em.findOne(SchoolClass, classId);
    await this.assertClassTeacherOrIssuer(ctx, ctx.em, c);
    const { students, guardians } = await this.classPeople(ctx.em, classId, false);
    const logins = new Map((await this.usersOf(ctx.em, [...students, ...guardians.map((g) => g.guardian)])).map((u) => [u.id, u.login]));
    const rows: CredentialsSheetRow[] = [];
    for (const s of students) {
      rows.push({
        holder: CredentialHolder.STUDENT, holderId: toGlobalId('Student', s.id), studentPseudonym: s.pseudonym,
        name: s.consentStatus === ConsentStatus.GIVEN && !s.erasedAt ? fullName(s) : null,
        hasAccount: !!s.user, login: s.user ? logins.get(s.user.id) ?? null : null, canIssue: !this.studentIssueProblem(s),
      });
      for (const { guardian: g } of guardians.filter((x) => x.studentId === s.id)) {
        rows.push({
          holder: CredentialHolder.GUARDIAN, holderId: toGlobalId('Guardian', g.id), studentPseudonym: s.pseudonym,
          name: g.erasedAt ? null : fullName(g), hasAccount: !!g.user, login: g.user ? logins.get(g.user.id) ?? null : null,
          canIssue: !this.guardianIssueProblem(g),
        });
      }
    }
    return rows;
  }

  // ---- helpers ----

  private viewerId(ctx: Ctx): string {
    if (!ctx.viewer) throw unauthenticated();
    return ctx.viewer.userId;
  }

  private assertManager(ctx: Ctx, schoolId: string): void {
    if (!hasRole(ctx.viewer, ROSTER_MANAGERS, schoolId)) throw forbidden('Requires the ADMIN or DEPUTY role in this school');
  }

  /** R-ROLE-5: the viewer leads a class the student belongs to today. */
  private async isCurrentClassTeacherOf(ctx: Ctx, em: EntityManager, studentIds: string[]): Promise<boolean> {
    if (!studentIds.length) return false;
    const rows = await em.execute(
      `select 1 from student_access_at(?::timestamptz) a
        where a.student_id = any(?::uuid[]) and a.user_id = ? and a.reason = 'CLASS_TEACHER' limit 1`,
      [clock.now().toISOString(), uuidArray(studentIds), this.viewerId(ctx)]);
    return rows.length > 0;
  }

  /** NOT_FOUND when the viewer may not see the student, FORBIDDEN when they see but may not edit. */
  private async assertCanEditStudent(ctx: Ctx, em: EntityManager, student: Student | null, roles: readonly Role[] = STUDENT_MAINTAINERS): Promise<void> {
    if (!student || !(await this.canSeeStudent(ctx, student.id))) throw notFound('Student');
    if (hasRole(ctx.viewer, roles, student.school.id)) return;
    if (await this.isCurrentClassTeacherOf(ctx, em, [student.id])) return;
    throw forbidden('Only the school administration or the class teacher of the student\'s class may do this');
  }

  private async assertCanEditGuardian(ctx: Ctx, em: EntityManager, guardian: Guardian | null, roles: readonly Role[] = STUDENT_MAINTAINERS): Promise<void> {
    if (!guardian || !(await this.canSeeGuardian(ctx, guardian.id))) throw notFound('Guardian');
    if (hasRole(ctx.viewer, roles, guardian.school.id)) return;
    const children = await em.find(StudentGuardian, { guardian: guardian.id, removedAt: null });
    if (await this.isCurrentClassTeacherOf(ctx, em, children.map((l) => l.student.id))) return;
    throw forbidden('Only the school administration or the class teacher of one of the guardian\'s children may do this');
  }

  private async assertClassTeacherOrIssuer(ctx: Ctx, em: EntityManager, c: SchoolClass | null): Promise<void> {
    if (!c || !isMember(ctx, c.school.id)) throw notFound('Class');
    if (hasRole(ctx.viewer, CREDENTIAL_ISSUERS, c.school.id)) return;
    // R-ROLE-5: the class teacher of the class today.
    if (await leadsClass(em, this.viewerId(ctx), c.id)) return;
    throw forbidden('Only the class teacher or an ADMIN of the school may hand out credentials');
  }

  /** Current students of a class (by last name) and their current guardians. */
  private async classPeople(em: EntityManager, classId: string, lock: boolean) {
    const rows = await em.execute<Record<string, unknown>[]>(
      `select s.* from student s join class_membership cm on cm.student_id = s.id join school sch on sch.id = s.school_id
        where cm.school_class_id = ? and cm.from_date <= (?::timestamptz at time zone sch.time_zone)::date
          and (cm.to_date is null or cm.to_date >= (?::timestamptz at time zone sch.time_zone)::date)
        order by s.last_name asc nulls last, s.pseudonym asc${lock ? ' for no key update of s' : ''}`,
      [classId, clock.now().toISOString(), clock.now().toISOString()]);
    const students = rows.map((r) => em.map(Student, r as never));
    const links = students.length
      ? await em.find(StudentGuardian, { student: { $in: students.map((s) => s.id) }, removedAt: null }, { populate: ['guardian'], orderBy: { createdAt: 'asc' } })
      : [];
    const seen = new Set<string>();
    const guardians: { studentId: string; guardian: Guardian }[] = [];
    for (const l of links) {
      // A guardian of two children of the class is listed (and issued) once.
      if (seen.has(l.guardian.id)) continue;
      seen.add(l.guardian.id);
      guardians.push({ studentId: l.student.id, guardian: l.guardian.getEntity() });
    }
    return { students, guardians };
  }

  private async usersOf(em: EntityManager, holders: (Student | Guardian)[]): Promise<User[]> {
    const ids = holders.map((h) => h.user?.id).filter((id): id is string => !!id);
    return ids.length ? em.find(User, { id: { $in: ids } }) : [];
  }

  private studentIssueProblem(s: Student): UserError | null {
    if (s.user) return userError(UserErrorCode.HAS_ACCOUNT, `The student ${s.pseudonym} already has an account`, at('studentId'));
    if (s.consentStatus !== ConsentStatus.GIVEN || s.erasedAt) {
      return userError(UserErrorCode.NO_CONSENT, `Without consent to personal-data processing the student ${s.pseudonym} gets no diary account`, at('studentId'));
    }
    if (s.leftOn) return userError(UserErrorCode.ALREADY_LEFT, `The student ${s.pseudonym} has left the school`, at('studentId'));
    if (!s.lastName || !s.firstName) return userError(UserErrorCode.REQUIRED, `Enter the student's family and given name first`, at('studentId'));
    return null;
  }

  private guardianIssueProblem(g: Guardian): UserError | null {
    if (g.user) return userError(UserErrorCode.HAS_ACCOUNT, 'The guardian already has an account', at('guardianId'));
    if (g.erasedAt) return userError(UserErrorCode.NO_CONSENT, 'The personal data of this guardian were erased', at('guardianId'));
    if (!g.lastName || !g.firstName) return userError(UserErrorCode.REQUIRED, 'Enter the guardian\'s family and given name first', at('guardianId'));
    return null;
  }

  private async issueToStudent(em: EntityManager, s: Student): Promise<IssuedCredentials> {
    const { user, password } = await this.createAccount(em, s, s.school.id, Role.STUDENT);
    s.user = em.getReference(User, user.id, { wrapped: true });
    await em.flush();
    return { holder: CredentialHolder.STUDENT, holderId: toGlobalId('Student', s.id), name: user.fullName, login: user.login, oneTimePassword: password };
  }

  private async issueToGuardian(em: EntityManager, g: Guardian): Promise<IssuedCredentials> {
    const { user, password } = await this.createAccount(em, g, g.school.id, Role.PARENT);
    g.user = em.getReference(User, user.id, { wrapped: true });
    await em.flush();
    return { holder: CredentialHolder.GUARDIAN, holderId: toGlobalId('Guardian', g.id), name: user.fullName, login: user.login, oneTimePassword: password };
  }

  /** A new account with a unique login "stem" + 3 digits, a one-time password and the role in the school. */
  private async createAccount(em: EntityManager, person: Student | Guardian, schoolId: string, role: Role) {
    const stem = loginStem(person.lastName!, person.firstName!);
    let login = '';
    for (let attempt = 0; ; attempt++) {
      const digits = attempt < 20 ? 3 : 6;
      login = `${stem}${String(Math.floor(Math.random() * 10 ** digits)).padStart(digits, '0')}`;
      const taken = await em.execute('select 1 from app_user where lower(login) = ?', [login]);
      if (!taken.length) break;
    }
    const password = oneTimePassword();
    const user = em.create(User, {
      login, passwordHash: await hashPassword(password), lastName: person.lastName!, firstName: person.firstName!,
      middleName: person.middleName ?? null, mustChangePassword: true,
    });
    em.create(RoleAssignment, { user, school: em.getReference(School, schoolId), role });
    await em.flush();
    return { user, password };
  }

  /** R-SEC-4: personal data given while consent is not GIVEN are refused, one NO_CONSENT per field. */
  private checkStudentPd(p: RosterProblems, input: Partial<StudentPd>, consent: ConsentStatus): Partial<StudentPd> {
    const out: Partial<StudentPd> = {};
    if (consent !== ConsentStatus.GIVEN) {
      for (const f of STUDENT_PD_FIELDS) {
        if (input[f] != null) p.add(UserErrorCode.NO_CONSENT, `Without consent to personal-data processing "${f}" may not be entered (R-SEC-4)`, at(f));
      }
      return out;
    }
    if (input.lastName !== undefined) out.lastName = p.optionalText(input.lastName, at('lastName'), 'The family name');
    if (input.firstName !== undefined) out.firstName = p.optionalText(input.firstName, at('firstName'), 'The given name');
    if (input.middleName !== undefined) out.middleName = p.optionalText(input.middleName, at('middleName'), 'The patronymic');
    if (input.enrolmentNumber !== undefined) out.enrolmentNumber = p.optionalText(input.enrolmentNumber, at('enrolmentNumber'), 'The enrolment number', SHORT_MAX);
    if (input.phone !== undefined) out.phone = p.phone(input.phone, at('phone'));
    if (input.email !== undefined) out.email = p.email(input.email, at('email'));
    if (input.sex !== undefined) out.sex = input.sex;
    if (input.birthDate !== undefined) {
      if (input.birthDate != null && (input.birthDate > today() || input.birthDate < '1900-01-01')) {
        p.add(UserErrorCode.DATE_INVALID, `The birth date ${input.birthDate} is not plausible`, at('birthDate'));
      }
      out.birthDate = input.birthDate;
    }
    return out;
  }

  private async checkTeacher(em: EntityManager, p: RosterProblems, schoolId: string, staffId: string): Promise<Staff | null> {
    const staff = await em.findOne(Staff, staffId);
    // Staff of another school do not exist here: saying otherwise would confirm the ID.
    if (!staff || staff.school.id !== schoolId) {
      p.add(UserErrorCode.INVALID, 'No such staff member', at('classTeacherId'));
      return null;
    }
    if (staff.archivedAt) p.add(UserErrorCode.ARCHIVED, 'The staff member has left the school', at('classTeacherId'));
    return staff;
  }

}

/** The school of a referenced student already loaded in this request (none when it is not: the access statement decides). */
function loadedSchoolOf(ref: Ref<Student>): string | undefined {
  return ref.isInitialized() ? ref.unwrap().school.id : undefined;
}
