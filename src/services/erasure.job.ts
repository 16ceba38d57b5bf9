import { LockMode } from '@mikro-orm/core';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../logger';
import { Guardian, Student, StudentGuardian } from '../entities/student.entity';
import { User } from '../entities/user.entity';
import { AuthSession } from '../entities/auth.entity';
import { ErasureJob, ErasureReason } from '../entities/consent.entity';
import { announceAuthEvent } from '../subscriptions/connections';
import { runAsActor, systemActor } from './audit-context';

/** Operation name of the job's changes in the audit trail. */
export const ERASURE_OPERATION = 'erasureJob';
const LAST_ERROR_MAX = 2000;

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
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly orm: MikroORM, private readonly options: ErasureRunnerOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.pollMs = (options.pollSeconds ?? 60) * 1000;
  }

  /** Polls every `pollSeconds` (the first poll right away) until `stop()`; does not keep the process alive. */
  start(): void {
    if (this.timer || this.pollMs <= 0) return;
    const tick = () => {
      if (this.running) return;
      this.running = this.runDue().catch((err) => this.options.log?.error({ err }, 'erasure poll failed')).finally(() => { this.running = null; });
    };
    this.timer = setInterval(tick, this.pollMs);
    this.timer.unref();
    tick();
  }

  /** Stops polling and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
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

  /** Erases the student's personal data and, where no other consenting child needs them, the guardians'. */
  private async erase(em: EntityManager, jobId: string, now: Date): Promise<void> {
    const job = await em.findOneOrFail(ErasureJob, jobId);
    const student = await em.findOneOrFail(Student, job.student.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
    student.lastName = null;
    student.firstName = null;
    student.middleName = null;
    student.birthDate = null;
    student.sex = null;
    student.enrolmentNumber = null;
    student.phone = null;
    student.email = null;
    student.erasedAt = now;

    const links = await em.find(StudentGuardian, { student: student.id, removedAt: null });
    for (const link of links) {
      const [otherChild] = await em.execute(
        `select 1 from student_guardian sg join student s on s.id = sg.student_id
          where sg.guardian_id = ? and sg.student_id <> ? and sg.removed_at is null and s.consent_status = 'GIVEN' limit 1`,
        [link.guardian.id, student.id]);
      if (otherChild) continue;
      const guardian = await em.findOneOrFail(Guardian, link.guardian.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (guardian.erasedAt) continue;
      guardian.lastName = null;
      guardian.firstName = null;
      guardian.middleName = null;
      guardian.phone = null;
      guardian.email = null;
      guardian.erasedAt = now;
    }

    // R-SEC-4, R-SEC-8: no electronic diary without consent or after leaving.
    if (student.user) {
      const user = await em.findOneOrFail(User, student.user.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!user.blockedAt) {
        user.blockedAt = now;
        user.blockedReason = job.reason === ErasureReason.WITHDRAWAL ? 'consent withdrawn' : 'left school';
      }
      // The account's names are personal data too; the pseudonym replaces them.
      user.lastName = student.pseudonym;
      user.firstName = '';
      user.middleName = null;
      const sessions = await em.find(AuthSession, { user: user.id, revokedAt: null });
      for (const s of sessions) {
        s.revokedAt = now;
        s.revokedReason = 'blocked';
      }
      await announceAuthEvent(em, { userId: user.id, reason: 'blocked' });
    }

    // The guardians' notification is this change itself: its audit entry (operation "erasureJob")
    // is what the school's notice to the guardians is produced from; e-mail delivery is not part of
    // the system yet.
    job.guardianNotifiedAt = now;
    job.doneAt = now;
    job.attempts += 1;
    job.lastError = null;
    await em.flush();
  }

  /** Counts the failed attempt and keeps its error for operators; the job stays pending. */
  private async recordFailure(jobId: string, err: unknown): Promise<void> {
    const message = (err instanceof Error ? err.message : String(err)).slice(0, LAST_ERROR_MAX);
    this.options.log?.warn({ jobId, err }, 'erasure job failed; retried at the next poll');
    await runAsActor(systemActor(ERASURE_OPERATION), () =>
      this.orm.em.fork().transactional(async (em) => {
        const [row] = await em.execute<{ id: string }[]>('select id from erasure_job where id = ? and done_at is null for update skip locked', [jobId]);
        if (!row) return;
        const job = await em.findOneOrFail(ErasureJob, jobId);
        job.attempts += 1;
        job.lastError = message;
        await em.flush();
      }));
  }
}
