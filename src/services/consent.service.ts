import { rolesOf } from '../permissions/capabilities';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { type Ctx, hasRole } from '../context';
import { School } from '../entities/school.entity';
import { ConsentStatus, Guardian, Student } from '../entities/student.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Consent, ConsentDecision, ErasureJob, ErasureReason } from '../entities/consent.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { forbidden, notFound } from '../schema/errors';
import { UserErrorCode } from '../schema/user-error';
import type { ConsentRegisterInput, ConsentWithdrawInput, StudentConsentState } from '../schema/consent.types';
import { type WriteResult, at, dateIn, fail, isMember, lockRow, write } from './shared';
import { scheduleErasure } from './erasure.job';
import { clock } from '../clock';
import { leadsClass } from './participation';

/** R-ROLE-1, R-ROLE-3: register consent for any student of their school; class teachers for their class (R-ROLE-5). */
const CONSENT_MANAGERS = rolesOf('canManageConsent');
const DOCUMENT_REF_MAX = 300;

/**
 * Consent to personal-data processing (R-SEC-4): registering consent and refusal, withdrawal with
 * a scheduled erasure, and the class list by consent state. The ADMIN and DEPUTY of the school act
 * for any of its students, a class teacher for the students of their current class (R-ROLE-5).
 * Writes lock the student's row, so concurrent decisions about one student are serialised.
 */
export class ConsentService {
  constructor(private readonly config: AppConfig) {}

  /** Registers consent given or refused; GIVEN allows personal data to be entered. */
  async consentRegister(ctx: Ctx, input: ConsentRegisterInput): Promise<WriteResult<{ consent: Consent; consentStatus: ConsentStatus }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const guardianId = input.guardianId != null ? fromGlobalId(input.guardianId, 'Guardian', 'guardianId') : null;
    return write(ctx, async (em) => {
      const { student, school } = await this.lockStudentFor(ctx, em, studentId);
      const documentRef = this.documentRef(input.documentRef);
      this.checkDecidedOn(input.decidedOn, school);
      const guardian = guardianId ? await this.guardianOf(em, studentId, guardianId) : null;
      if (student.leftOn) fail(UserErrorCode.ALREADY_LEFT, `The student left the school on ${student.leftOn}`, at('studentId'));
      const decision = input.decision === 'GIVEN' ? ConsentDecision.GIVEN : ConsentDecision.REFUSED;
      if (student.consentStatus === ConsentStatus.WITHDRAWN && !student.erasedAt) {
        const job = await em.findOne(ErasureJob, { student: studentId, doneAt: null });
        fail(UserErrorCode.INVALID,
          `The consent was withdrawn and the personal data are being erased${job ? ` (by ${job.dueAt.toISOString()})` : ''}: register a new decision after the erasure`, at('decision'));
      }
      if (decision === ConsentDecision.REFUSED && student.consentStatus === ConsentStatus.GIVEN) {
        fail(UserErrorCode.INVALID, 'Consent was given: record its withdrawal with consentWithdraw', at('decision'));
      }
      const consent = em.create(Consent, {
        school: school.id, student: studentId, guardian: guardian?.id ?? null, decision,
        decidedOn: input.decidedOn, documentRef, recordedBy: ctx.viewer!.userId,
      });
      student.consentStatus = decision === ConsentDecision.GIVEN ? ConsentStatus.GIVEN : ConsentStatus.REFUSED;
      await em.flush();
      return { consent, consentStatus: student.consentStatus };
    });
  }

  /**
   * Withdraws consent: records it, sets WITHDRAWN and schedules the erasure of the personal data by
   * the end of the third working day of the production calendar (R-SEC-4); the erasure job then
   * erases identity and diary-service data and blocks the diary account.
   */
  async consentWithdraw(ctx: Ctx, input: ConsentWithdrawInput): Promise<WriteResult<{ consent: Consent; consentStatus: ConsentStatus; erasureJob: ErasureJob }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const guardianId = input.guardianId != null ? fromGlobalId(input.guardianId, 'Guardian', 'guardianId') : null;
    return write(ctx, async (em) => {
      const { student, school } = await this.lockStudentFor(ctx, em, studentId);
      const documentRef = this.documentRef(input.documentRef);
      this.checkDecidedOn(input.decidedOn, school);
      const guardian = guardianId ? await this.guardianOf(em, studentId, guardianId) : null;
      if (student.consentStatus !== ConsentStatus.GIVEN) {
        fail(UserErrorCode.NO_CONSENT, `There is no consent to withdraw (the state is ${student.consentStatus})`, at('studentId'));
      }
      const consent = em.create(Consent, {
        school: school.id, student: studentId, guardian: guardian?.id ?? null, decision: ConsentDecision.WITHDRAWN,
        decidedOn: input.decidedOn, documentRef, recordedBy: ctx.viewer!.userId,
      });
      student.consentStatus = ConsentStatus.WITHDRAWN;
      // A pending erasure after leaving the school is widened to the identity (one job per student).
      const erasureJob = await scheduleErasure(em, { school, student, reason: ErasureReason.WITHDRAWAL, from: input.decidedOn });
      await em.flush();
      return { consent, consentStatus: student.consentStatus, erasureJob };
    });
  }

  /** R-SEC-4: students currently in a class with the given consent state, by pseudonym. */
  async studentsByConsent(ctx: Ctx, classGlobalId: string, status: ConsentStatus): Promise<StudentConsentState[]> {
    const classId = fromGlobalId(classGlobalId, 'SchoolClass', 'classId');
    const schoolClass = await ctx.em.findOne(SchoolClass, classId, { populate: ['school'] });
    if (!schoolClass || !isMember(ctx, schoolClass.school.id)) throw notFound('Class');
    const school = schoolClass.school.getEntity();
    const today = dateIn(school.timeZone, clock.now());
    if (!hasRole(ctx.viewer, CONSENT_MANAGERS, school.id) && !(await leadsClass(ctx.em, ctx.viewer!.userId, classId))) {
      throw forbidden('Only the class teacher, the ADMIN or the DEPUTY of the school list students by consent');
    }
    const rows = await ctx.em.execute<{ id: string; pseudonym: string; consent_status: ConsentStatus; decided_on: string | null; due_at: Date | null; erased_at: Date | null }[]>(
      `select s.id, s.pseudonym, s.consent_status, s.erased_at,
              (select to_char(c.decided_on, 'YYYY-MM-DD') from consent c where c.student_id = s.id order by c.created_at desc, c.id desc limit 1) as decided_on,
              (select j.due_at from erasure_job j where j.student_id = s.id and j.done_at is null order by j.due_at limit 1) as due_at
         from class_membership cm join student s on s.id = cm.student_id
        where cm.school_class_id = ? and cm.from_date <= ? and (cm.to_date is null or cm.to_date >= ?) and s.consent_status = ?
        order by s.pseudonym`,
      [classId, today, today, status]);
    return rows.map((r) => ({
      studentId: toGlobalId('Student', r.id), pseudonym: r.pseudonym, consentStatus: r.consent_status,
      decidedOn: r.decided_on, erasureDueAt: r.due_at ? new Date(r.due_at) : null, erasedAt: r.erased_at ? new Date(r.erased_at) : null,
    }));
  }

  studentIdOf(consent: Consent): string {
    return toGlobalId('Student', consent.student.id);
  }

  guardianIdOf(consent: Consent): string | null {
    return consent.guardian ? toGlobalId('Guardian', consent.guardian.id) : null;
  }

  // ---- helpers ----

  /**
   * Locks the student's row for a decision by the viewer: NOT_FOUND outside the viewer's schools or
   * for a student the viewer takes no part in educating (R-SEC-3); FORBIDDEN for one they do but may
   * not register consent for (a subject teacher, a former class teacher).
   */
  private async lockStudentFor(ctx: Ctx, em: EntityManager, studentId: string): Promise<{ student: Student; school: School }> {
    const student = await lockRow(em, Student, 'student', studentId);
    if (!student || !isMember(ctx, student.school.id)) throw notFound('Student');
    const school = await em.findOneOrFail(School, student.school.id);
    if (hasRole(ctx.viewer, CONSENT_MANAGERS, school.id)) return { student, school };
    // R-ROLE-5: the class teacher of the student's class today; R-SEC-3: anyone else taking part today.
    const [row] = await em.execute<{ lead: boolean; access: boolean }[]>(
      `select coalesce(bool_or(a.reason = 'CLASS_TEACHER'), false) as lead, count(*) > 0 as access
         from student_access_at(?::timestamptz) a where a.student_id = ? and a.user_id = ?`,
      [clock.now().toISOString(), studentId, ctx.viewer!.userId]);
    if (row.lead) return { student, school };
    if (row.access) throw forbidden('Only the class teacher of the student\'s class, the ADMIN or the DEPUTY of the school register consent');
    throw notFound('Student');
  }

  private documentRef(value: string): string {
    const v = value.normalize('NFC').trim();
    if (!v) fail(UserErrorCode.REQUIRED, 'The document reference must not be empty', at('documentRef'));
    if (v.length > DOCUMENT_REF_MAX) fail(UserErrorCode.TOO_LONG, `The document reference is longer than ${DOCUMENT_REF_MAX} characters`, at('documentRef'));
    return v;
  }

  /** A decision is registered from a signed document: it cannot be dated in the future. */
  private checkDecidedOn(decidedOn: string, school: School): void {
    const today = dateIn(school.timeZone, clock.now());
    if (decidedOn > today) fail(UserErrorCode.DATE_INVALID, `The decision date (${decidedOn}) is in the future (today is ${today})`, at('decidedOn'));
  }

  /** A current, not erased guardian of the student. */
  private async guardianOf(em: EntityManager, studentId: string, guardianId: string): Promise<Guardian> {
    const [link] = await em.execute('select 1 from student_guardian where student_id = ? and guardian_id = ? and removed_at is null', [studentId, guardianId]);
    const guardian = link ? await em.findOne(Guardian, guardianId) : null;
    if (!guardian || guardian.erasedAt) fail(UserErrorCode.INVALID, 'Not a current guardian of the student', at('guardianId'));
    return guardian!;
  }
}
