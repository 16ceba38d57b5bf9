import { randomBytes } from 'node:crypto';
import { withoutStatementTimeout } from '../schema/budgets';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger';
import { PeriodicRun } from './periodic';
import { Guardian, Student, StudentGuardian } from '../entities/student.entity';
import type { School } from '../entities/school.entity';
import { RoleAssignment, User } from '../entities/user.entity';
import { DIARY_ROLES } from '../permissions/capabilities';
import { AuthSession } from '../entities/auth.entity';
import { Message, MessageThread } from '../entities/message.entity';
import { ErasureJob, ErasureReason, erasureCategories } from '../entities/consent.entity';
import { PdCategory, type PdSubject } from '../db/personal-data';
import { ERASED, destroyKeys, executeIn } from '../db/pd-keys';
import { announceAuthEvent } from '../subscriptions/connections';
import { runAsActor, systemActor } from './audit-context';
import { schoolWorkingDaysDeadline } from './production-calendar.service';

/** Operation name of the job's changes in the audit trail. */
export const ERASURE_OPERATION = 'erasureJob';
const LAST_ERROR_MAX = 2000;
/** R-SEC-4, R-SEC-8: personal data are erased within this many working days of the notice. */
export const ERASURE_WORKING_DAYS = 3;

/** SQL: the consent and the diary service of student `s` stand (their guardian's data are still needed). */
const DIARY_STANDS = "s.consent_status = 'GIVEN' and s.left_on is null and s.erased_at is null";

/** A login that says nothing about its former holder. */
export const neutralLogin = (): string => `erased-${randomBytes(5).toString('hex')}`;

const formatDate = (d: Date, timeZone: string) =>
  new Intl.DateTimeFormat('ru-RU', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);

/** The written notice to the guardians (R-SEC-4, R-SEC-8), naming the student by pseudonym only. */
function noticeText(reason: ErasureReason, pseudonym: string, from: string, dueAt: Date, timeZone: string): string {
  const on = formatDate(new Date(`${from}T12:00:00Z`), 'UTC');
  const by = formatDate(dueAt, timeZone);
  return reason === ErasureReason.WITHDRAWAL
    ? `Согласие на обработку персональных данных обучающегося ${pseudonym} отозвано ${on}. Персональные данные обучающегося, `
      + `учётные записи и данные законных представителей, не нужные для дневника других детей, будут уничтожены не позднее ${by}. `
      + 'Электронный дневник обучающегося закрыт. Записи журнала и сводной ведомости сохраняются под учётным номером обучающегося.'
    : `Обслуживание электронного дневника обучающегося ${pseudonym} прекращено ${on} в связи с выбытием (окончанием) из образовательной организации. `
      + `Учётные записи, контактные данные и данные законных представителей, не нужные для дневника других детей, будут уничтожены не позднее ${by}. `
      + 'Классный журнал и сводная ведомость хранятся в течение сроков, установленных законодательством.';
}

/**
 * Schedules the erasure of a student's personal data (R-SEC-4, R-SEC-8) by the end of the third
 * working day of the school's production calendar after `from` (the date of the notice), with the
 * written notice to the guardians. One pending erasure per student: a withdrawal widens a pending
 * erasure after leaving (the earlier deadline holds); leaving keeps a pending withdrawal's erasure,
 * which already covers it. The caller holds the student's row lock and flushes.
 */
export async function scheduleErasure(
  em: EntityManager,
  { school, student, reason, from }: { school: School; student: Student; reason: ErasureReason; from: string },
): Promise<ErasureJob> {
  const dueAt = await schoolWorkingDaysDeadline(em, school, from, ERASURE_WORKING_DAYS);
  const pending = await em.findOne(ErasureJob, { student: student.id, doneAt: null });
  if (pending) {
    if (pending.reason === ErasureReason.WITHDRAWAL || reason === pending.reason) return pending;
    pending.reason = reason;
    if (dueAt < pending.dueAt) pending.dueAt = dueAt;
    pending.notice = noticeText(reason, student.pseudonym, from, pending.dueAt, school.timeZone);
    return pending;
  }
  return em.create(ErasureJob, {
    school: school.id, student: student.id, reason, dueAt, notice: noticeText(reason, student.pseudonym, from, dueAt, school.timeZone),
  });
}

export interface ErasureRunnerOptions {
  /** The clock; tests pass a fake one. */
  now?: () => Date;
  /** Seconds between polls of `start()`. */
  pollSeconds?: number;
  log?: Logger;
}

export interface ErasureRunResult {
  /** ids of the jobs done in this run */
  done: string[];
  /** ids of the jobs that failed in this run (retried at the next poll) */
  failed: string[];
}

/**
 * Runs due erasure jobs (R-SEC-4, R-SEC-8). Jobs live in the database, so a restart loses none; each
 * is claimed with `for update skip locked` inside the transaction that does it, so two server
 * processes never run one job twice and a crash mid-job leaves it pending. A failed job records the
 * error and its attempts and is retried at the next poll.
 */
export class ErasureJobRunner {
  private readonly now: () => Date;
  private readonly poll: PeriodicRun;

  constructor(private readonly orm: MikroORM, private readonly options: ErasureRunnerOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.poll = new PeriodicRun(() => this.runDue(), (options.pollSeconds ?? 60) * 1000, 'erasure poll failed', options.log);
  }

  /** Polls every `pollSeconds` (the first poll right away) until `stop()`; does not keep the process alive. */
  start(): void {
    this.poll.start();
  }

  /** Stops polling and waits for a run in progress. */
  stop(): Promise<void> {
    return this.poll.stop();
  }

  /** Runs every job due at `now`, one transaction each. */
  async runDue(now: Date = this.now()): Promise<ErasureRunResult> {
    const result: ErasureRunResult = { done: [], failed: [] };
    const tried: string[] = [];
    for (;;) {
      let claimed: string | null = null;
      try {
        claimed = await runAsActor(systemActor(ERASURE_OPERATION), () =>
          this.orm.em.fork().transactional(async (em) => {
            await withoutStatementTimeout(em); // a job: no time budget
            const [row] = await em.execute<{ id: string }[]>(
              `select id from erasure_job where done_at is null and due_at <= ? ${tried.length ? `and id not in (${tried.map(() => '?').join(', ')})` : ''}
                order by due_at, id limit 1 for update skip locked`,
              [now, ...tried]);
            if (!row) return null;
            tried.push(row.id);
            await this.erase(em, row.id, now);
            return row.id;
          }));
      } catch (err) {
        const id = tried[tried.length - 1];
        if (!id || result.failed.includes(id)) throw err;
        result.failed.push(id);
        await this.recordFailure(id, err);
        continue;
      }
      if (!claimed) return result;
      result.done.push(claimed);
    }
  }

  /**
   * Erases what the job's reason covers (R-SEC-4: identity and diary-service data; R-SEC-8: the
   * diary-service data) of the student and, where no other child whose consent and diary service
   * stand needs them, of the guardians; replaces the accounts' logins and names with neutral ones.
   * The audit entries of these changes are written with the keys still live, then the keys of the
   * erased categories are destroyed in the same transaction: from the commit on, every value the
   * trail holds of them reads "[erased]".
   */
  private async erase(em: EntityManager, jobId: string, now: Date): Promise<void> {
    const job = await em.findOneOrFail(ErasureJob, jobId);
    const categories = erasureCategories(job.reason);
    const student = await em.findOneOrFail(Student, job.student.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const shredded: { subject: PdSubject; categories: PdCategory[] }[] = [{ subject: { type: 'Student', id: student.id }, categories }];
    if (categories.includes(PdCategory.IDENTITY)) {
      student.lastName = null;
      student.firstName = null;
      student.middleName = null;
      student.birthDate = null;
      student.sex = null;
      student.enrolmentNumber = null;
      student.erasedAt = now;
    }
    student.phone = null;
    student.email = null;

    // Accounts to erase, with the family name they keep (the pseudonym; null: the neutral login).
    const accounts = new Map<string, string | null>();
    if (student.user) accounts.set(student.user.id, student.pseudonym);

    const links = await em.find(StudentGuardian, { student: student.id, removedAt: null });
    // Guardians whose data are erased (now or before): what they wrote as guardians goes too, even
    // when their account stays (a parent who is also staff, or the guardian of another child).
    const erasedGuardians: string[] = [];
    for (const link of links) {
      // The guardian's data stay while another child's consent and diary service stand.
      const [otherChild] = await em.execute(
        `select 1 from student_guardian sg join student s on s.id = sg.student_id
          where sg.guardian_id = ? and sg.student_id <> ? and sg.removed_at is null
            and ${DIARY_STANDS} limit 1`,
        [link.guardian.id, student.id]);
      if (otherChild) continue;
      const guardian = await em.findOneOrFail(Guardian, link.guardian.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!guardian.erasedAt) {
        guardian.lastName = null;
        guardian.firstName = null;
        guardian.middleName = null;
        guardian.phone = null;
        guardian.email = null;
        guardian.erasedAt = now;
        shredded.push({ subject: { type: 'Guardian', id: guardian.id }, categories: [PdCategory.DIARY_SERVICE] });
      }
      erasedGuardians.push(guardian.id);
      if (guardian.user && !accounts.has(guardian.user.id) && await this.onlyDiaryAccount(em, guardian.user.id, guardian.id, student.id)) {
        accounts.set(guardian.user.id, null);
      }
    }

    // R-SEC-4, R-SEC-8: no electronic diary without consent or after leaving; the accounts keep no personal data.
    const reason = job.reason === ErasureReason.WITHDRAWAL ? 'consent withdrawn' : 'left school';
    for (const [userId, lastName] of accounts) {
      const user = await em.findOneOrFail(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user.blockedAt) {
        user.blockedAt = now;
        user.blockedReason = reason;
      }
      user.login = neutralLogin();
      user.lastName = lastName ?? user.login;
      user.firstName = '';
      user.middleName = null;
      for (const s of await em.find(AuthSession, { user: user.id })) {
        if (!s.revokedAt) {
          s.revokedAt = now;
          s.revokedReason = 'blocked';
        }
        s.ip = null;
        s.userAgent = null;
      }
      // Throttling (login_throttle) keeps logins only as keyed hashes, which expire with their window.
      await announceAuthEvent(em, { userId: user.id, reason: 'blocked' });
      shredded.push({ subject: { type: 'User', id: user.id }, categories: [PdCategory.DIARY_SERVICE] });
    }

    // R-JOUR-12: what the erased accounts wrote, and what the student and the erased guardians wrote
    // as such (messages, the topics of threads they started), is their diary-service data: the text
    // goes; the thread and its other messages stay.
    const authors = [
      ...(accounts.size ? [{ author: { $in: [...accounts.keys()] } }] : []),
      ...(erasedGuardians.length ? [{ authorGuardian: { $in: erasedGuardians } }] : []),
      { authorStudent: student.id },
    ];
    const written = await em.find(Message, { $or: authors });
    for (const m of written) m.body = ERASED;
    // A thread's topic is its starter's: the thread whose first message is one of these.
    const firsts = written.length === 0 ? [] : await em.execute<{ thread_id: string; id: string }[]>(
      `select distinct on (thread_id) thread_id, id from message where thread_id = any(?::uuid[]) order by thread_id, sent_at, id`,
      [`{${[...new Set(written.map((m) => m.thread.id))].join(',')}}`]);
    const ids = new Set(written.map((m) => m.id));
    const started = firsts.filter((f) => ids.has(f.id)).map((f) => f.thread_id);
    const threads = [
      ...(accounts.size ? await em.find(MessageThread, { startedBy: { $in: [...accounts.keys()] } }) : []),
      ...(started.length ? await em.find(MessageThread, { id: { $in: started } }) : []),
    ];
    for (const t of threads) t.topic = ERASED;

    // The notice to the guardians (job.notice, recorded when the erasure was scheduled) is given
    // with this run; e-mail delivery is not part of the system yet.
    job.guardianNotifiedAt = now;
    job.doneAt = now;
    job.attempts += 1;
    job.lastError = null;
    await em.flush();

    for (const { subject, categories: c } of shredded) await destroyKeys(executeIn(em), subject, c, now);
  }

  /**
   * The account serves only the diary of this guardian/student: no role but PARENT/STUDENT, and no
   * other guardian record or student of it still standing.
   */
  private async onlyDiaryAccount(em: EntityManager, userId: string, guardianId: string, studentId: string): Promise<boolean> {
    if (await em.count(RoleAssignment, { user: userId, role: { $nin: [...DIARY_ROLES] } }) > 0) return false;
    const [other] = await em.execute(
      `select 1 from guardian g where g.user_id = ? and g.id <> ? and g.erased_at is null
        and exists (select 1 from student_guardian sg join student s on s.id = sg.student_id
                     where sg.guardian_id = g.id and sg.removed_at is null and s.id <> ?
                       and ${DIARY_STANDS})
       union all
       select 1 from student s where s.user_id = ? and s.id <> ? and s.erased_at is null and s.left_on is null
       limit 1`,
      [userId, guardianId, studentId, userId, studentId]);
    return !other;
  }

  /** Counts the failed attempt and keeps its error for operators; the job stays pending. */
  private async recordFailure(jobId: string, err: unknown): Promise<void> {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, LAST_ERROR_MAX);
    this.options.log?.warn({ jobId, err }, 'erasure job failed; retried at the next poll');
    await runAsActor(systemActor(ERASURE_OPERATION), () =>
      this.orm.em.fork().transactional(async (em) => {
        await withoutStatementTimeout(em); // a job: no time budget
        const [row] = await em.execute<{ id: string }[]>('select id from erasure_job where id = ? and done_at is null for update skip locked', [jobId]);
        if (!row) return;
        const job = await em.findOneOrFail(ErasureJob, jobId);
        job.attempts += 1;
        job.lastError = message;
        await em.flush();
      }));
  }
}
