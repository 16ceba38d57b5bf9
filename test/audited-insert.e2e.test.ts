import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from './helpers/app';
import { plainAudit } from './helpers/audit';
import { Mark } from '../src/entities/journal.entity';
import { GradingValue } from '../src/entities/grading-system.entity';
import { Student } from '../src/entities/student.entity';
import { User } from '../src/entities/user.entity';
import { School } from '../src/entities/school.entity';
import { AuditActor, runAsActor } from '../src/services/audit-context';
import { insertAudited } from '../src/db/audited-insert';
import { DEMO_SCHOOL_NAME } from '../src/db/seed/demo';
import { demo, schoolClass, staff, studentRow, subject } from './helpers/factories';

/**
 * `insertAudited` (src/db/audited-insert.ts), which the journal's bulk writes use beside the unit
 * of work, writes exactly what `em.create` + `flush` with the audit subscriber write (R-SEC-5,
 * R-JOUR-10): the same row, the same audit entry (changes, chain, actor), personal values
 * encrypted the same way (R-SEC-4), and a valid hash chain; a bad row writes nothing.
 */

let app: TestApp;
let schoolId: string;
let adminId: string;
/** A lesson of the demo school, a student of its class, a work type and a grading value: what a mark refers to. */
let base: Record<string, string>;
const actor = (): AuditActor => ({ actorId: adminId, actorLogin: 'admin', sessionId: null, ip: '192.0.2.9', operation: 'auditedInsertTest' });
const lastId = async () => (await app.sql<{ id: string }>('select coalesce(max(id), 0)::text as id from audit_entry'))[0].id;
/** The audit entries of one entity, decrypted, without what differs by nature (ids, times, places in the chain). */
const entryOf = async (type: string, id: string) => {
  const rows = await plainAudit(app, 'select * from audit_entry where entity_type = $1 and entity_id = $2', [type, id]);
  expect(rows).toHaveLength(1);
  const { id: _i, seq: _s, prev_hash: _p, hash: _h, occurred_at: _o, entity_id: _e, ...rest } = rows[0];
  return rest;
};
/** A row of a table without its id and bookkeeping timestamps. */
const rowOf = async (table: string, id: string) => {
  const [row] = await app.sql(`select * from ${table} where id = $1`, [id]);
  const { id: _i, created_at: _c, updated_at: _u, ...rest } = row;
  return rest;
};
const chainIntact = async () => (await app.sql<{ n: number }>(
  `select count(*)::int as n from audit_entry a where a.chain_id = $1 and a.hash is distinct from audit_entry_hash(a)`, [schoolId]))[0].n;

beforeAll(async () => {
  app = await startTestApp();
  const em = app.orm.em.fork();
  schoolId = (await em.findOneOrFail(School, { name: DEMO_SCHOOL_NAME })).id;
  adminId = (await em.findOneOrFail(User, { login: 'admin' })).id;
  // A lesson of a class, a student of it, a work type and a grading value: what a mark refers to.
  const { yearId } = await demo(app);
  const teacher = await staff(app, schoolId);
  const classId = await schoolClass(app, schoolId, yearId);
  const subjectId = await subject(app, schoolId);
  const studentId = await studentRow(app, schoolId, { classId, consent: 'GIVEN' });
  const [lesson] = await app.sql(
    `insert into lesson (id, created_at, updated_at, school_id, academic_year_id, planned_date, planned_lesson_number, date, lesson_number, subject_id, teacher_id, school_class_id, kind)
     values (gen_random_uuid(), now(), now(), $1, $2, '2025-11-20', 2, '2025-11-20', 2, $3, $4, $5, 'MAIN') returning id`,
    [schoolId, yearId, subjectId, teacher.staffId, classId]);
  const [refs] = await app.sql(
    `select (select w.id from work_type w where w.school_id = $1 order by w.name limit 1) as work_type_id, gv.id as grading_value_id, gv.code as value
       from grading_system gs join grading_value gv on gv.grading_system_id = gs.id and gv.numeric_value = 4
      where gs.school_id = $1 order by gs.name limit 1`, [schoolId]);
  base = { school_id: schoolId, lesson_id: lesson.id, student_id: studentId, posted_by_id: teacher.staffId, ...refs };
});
afterAll(async () => { await app?.stop(); });

describe('R-SEC-5, R-JOUR-10: rows created beside the unit of work are audited as a flush audits them', () => {
  test('R-JOUR-10: a mark written by insertAudited equals one written by em.create + flush: the row, and its audit entry in the school\'s chain', async () => {
    const m = base;
    const data = {
      school: m.school_id, lesson: m.lesson_id, student: m.student_id, workType: m.work_type_id, controlWork: null, gradingValue: m.grading_value_id,
      value: m.value, comment: 'Через ORM «и» "кавычки"?', postedBy: m.posted_by_id, postedAt: new Date('2025-11-20T08:15:30.123Z'),
      dueAt: new Date('2025-11-20T21:00:00Z'), late: false, creditBasis: 'TEACHER', creditProtocolDate: '2025-11-21', creditProtocolNumber: '7/25',
    };
    const since = await lastId();
    const viaFlush = randomUUID();
    const viaInsert = randomUUID();
    let lean: Mark[] = [];
    await runAsActor(actor(), async () => {
      const em = app.orm.em.fork();
      await em.transactional(async (tem) => {
        tem.create(Mark, { ...data, id: viaFlush } as never);
        await tem.flush();
      });
      await em.fork().transactional(async (tem) => {
        lean = await insertAudited(tem, Mark, [{ ...data, id: viaInsert }]);
      });
    });
    expect(await rowOf('mark', viaInsert)).toEqual(await rowOf('mark', viaFlush));
    const flushed = await entryOf('Mark', viaFlush);
    expect(flushed).toMatchObject({ chain_id: schoolId, school_id: schoolId, action: 'CREATE', actor_login: 'admin', ip: '192.0.2.9', operation: 'auditedInsertTest' });
    expect(flushed.changes).toMatchObject({ value: { before: null, after: m.value }, late: { before: null, after: false }, creditProtocolDate: { before: null, after: '2025-11-21' } });
    expect(await entryOf('Mark', viaInsert)).toEqual(flushed);
    // Stored encrypted as the flush stores them: the actor's login and address are ciphertext.
    const raw = await app.sql('select actor_login, ip from audit_entry where id > $1', [since]);
    expect(raw).toHaveLength(2);
    for (const r of raw) expect([r.actor_login, r.ip]).not.toContain('admin');
    expect(await chainIntact()).toBe(0);
    // The lean row returned is what a read of the mark gives.
    expect(lean).toHaveLength(1);
    expect(lean[0]).toBeInstanceOf(Mark);
    expect({ id: lean[0].id, value: lean[0].value, comment: lean[0].comment, student: lean[0].student.id, postedAt: lean[0].postedAt, creditProtocolDate: lean[0].creditProtocolDate, late: lean[0].late })
      .toEqual({ id: viaInsert, value: m.value, comment: data.comment, student: m.student_id, postedAt: data.postedAt, creditProtocolDate: '2025-11-21', late: false });
  });

  test('R-SEC-4: personal data of a student created by insertAudited are encrypted in the audit entry exactly as a flush encrypts them', async () => {
    const data = { school: schoolId, pseudonym: '', consentStatus: 'GIVEN', lastName: 'Вставкина', firstName: 'Ольга', middleName: null, birthDate: '2015-03-04', phone: '+7 900 000-11-22' };
    const viaFlush = randomUUID();
    const viaInsert = randomUUID();
    await runAsActor(actor(), async () => {
      await app.orm.em.fork().transactional(async (tem) => {
        tem.create(Student, { ...data, pseudonym: 'АИ-1', id: viaFlush } as never);
        await tem.flush();
      });
      await app.orm.em.fork().transactional(async (tem) => {
        await insertAudited(tem, Student, [{ ...data, pseudonym: 'АИ-2', id: viaInsert }]);
      });
    });
    const a = await rowOf('student', viaFlush);
    const b = await rowOf('student', viaInsert);
    expect({ ...b, pseudonym: 'АИ-1' }).toEqual(a);
    const flushed = await entryOf('Student', viaFlush);
    expect(flushed.changes.lastName).toEqual({ before: null, after: 'Вставкина' });
    expect(flushed.changes.consentStatus).toEqual({ before: null, after: 'GIVEN' });
    const inserted = await entryOf('Student', viaInsert);
    expect(inserted).toEqual({ ...flushed, changes: { ...flushed.changes, pseudonym: { before: null, after: 'АИ-2' } } });
    // The stored values are ciphertext under the student's own key (erasure destroys it).
    const [stored] = await app.sql(`select changes::text as c from audit_entry where entity_type = 'Student' and entity_id = $1`, [viaInsert]);
    expect(stored.c).not.toContain('Вставкина');
    expect(stored.c).not.toContain('+7 900');
    expect(await chainIntact()).toBe(0);
  });

  test('R-SEC-5: a row that breaks a constraint writes nothing (no row, no audit entry); an entity reached by its school through another relation is refused; nothing unattributed', async () => {
    const m = base;
    const good = {
      id: randomUUID(), school: m.school_id, lesson: m.lesson_id, student: m.student_id, workType: m.work_type_id, gradingValue: m.grading_value_id,
      value: m.value, postedBy: m.posted_by_id, postedAt: new Date(), dueAt: new Date(),
    };
    const bad = { ...good, id: randomUUID(), lesson: randomUUID() };
    const since = await lastId();
    await expect(runAsActor(actor(), () => app.orm.em.fork().transactional((tem) => insertAudited(tem, Mark, [good, bad]))))
      .rejects.toThrow(/foreign key/);
    expect(await app.sql('select id from mark where id = any($1::uuid[])', [[good.id, bad.id]])).toEqual([]);
    expect(await lastId()).toBe(since);
    // Rows must set the same properties.
    await expect(runAsActor(actor(), () => app.orm.em.fork().transactional((tem) => insertAudited(tem, Mark, [good, { ...good, id: randomUUID(), comment: 'x' }]))))
      .rejects.toThrow(/sets comment, which row 0 does not/);
    const [gv] = await app.sql('select grading_system_id from grading_value limit 1');
    await expect(runAsActor(actor(), () => app.orm.em.fork().transactional((tem) => insertAudited(tem, GradingValue, [{ id: randomUUID(), gradingSystem: gv.grading_system_id, code: 'x' }]))))
      .rejects.toThrow(/through gradingSystem.school/);
    await expect(app.orm.em.fork().transactional((tem) => insertAudited(tem, Mark, [good]))).rejects.toThrow(/Unattributed/);
    expect(await app.sql('select id from mark where id = $1', [good.id])).toEqual([]);
    expect(await lastId()).toBe(since);
  });
});
