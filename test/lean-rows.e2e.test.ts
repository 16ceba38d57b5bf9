import { ReferenceKind } from '@mikro-orm/core';
import type { EntityMetadata } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { initOrm } from '../src/db/orm';
import { seedDemo } from '../src/db/seed/demo';
import { LeanRef, leanRow } from '../src/db/lean';
import { Lesson } from '../src/entities/lesson.entity';
import { createTestDatabase, type TestDatabase } from './helpers/app';

/**
 * Issue 11: lean rows (src/db/lean.ts) are what the hot reads return instead of managed entities.
 * Read from the same SQL rows of the whole demo school, every entity class mapped lean has the same
 * value in every column property as the ORM's own mapping (`em.map`), the same class and global ID,
 * and cannot be written back through the ORM.
 */
let database: TestDatabase;
let orm: MikroORM;

beforeAll(async () => {
  database = await createTestDatabase();
  orm = await initOrm(database.databaseUrl, 3);
  await seedDemo(orm);
}, 180_000);
afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

const comparable = (v: unknown): unknown => {
  if (v instanceof Date) return `date:${v.toISOString()}`;
  if (v instanceof LeanRef) return `ref:${v.id}`;
  if (v && typeof v === 'object' && 'id' in v && typeof (v as { id: unknown }).id === 'string') return `ref:${(v as { id: string }).id}`;
  return v === undefined ? null : v;
};

const mapped = (meta: EntityMetadata) => meta.props.filter((p) => p.persist !== false && !p.formula && !p.embedded
  && (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE || (p.kind === ReferenceKind.ONE_TO_ONE && p.owner)));

test('issue 11: every entity class read lean equals the ORM\'s mapping of the same rows, property by property', async () => {
  const metas = Object.values(orm.getMetadata().getAll()).filter((m) => !m.abstract && !m.embeddable && !m.pivotTable && m.tableName && m.class);
  let compared = 0;
  const classes: string[] = [];
  for (const meta of metas) {
    const em = orm.em.fork();
    const rows = await em.execute<Record<string, unknown>[]>(`select * from "${meta.tableName}" order by 1 limit 40`);
    if (!rows.length) continue;
    classes.push(meta.className);
    for (const row of rows) {
      const entity = em.map(meta.class as never, { ...row } as never) as Record<string, unknown>;
      const lean = leanRow(meta.class as never, { ...row }) as Record<string, unknown>;
      expect(lean).toBeInstanceOf(meta.class);
      if ('globalId' in entity) expect(lean.globalId).toBe(entity.globalId);
      for (const p of mapped(meta)) {
        expect([meta.className, p.name, comparable(lean[p.name])]).toEqual([meta.className, p.name, comparable(entity[p.name])]);
        compared++;
      }
    }
  }
  // The hot reads' classes are among them, with data.
  for (const name of ['Lesson', 'Student', 'Guardian', 'StudentGuardian', 'Staff', 'User', 'Subject', 'Room', 'SchoolClass', 'TimetableEntry', 'ControlWork', 'Holiday']) {
    expect(classes).toContain(name);
  }
  expect(compared).toBeGreaterThan(1000);
});

test('issue 11: a lean row is read-only — the ORM refuses to persist it, and an unloaded relation says so', async () => {
  const em = orm.em.fork();
  const [row] = await em.execute<Record<string, unknown>[]>('select * from lesson order by id limit 1');
  const lesson = leanRow(Lesson, row);
  expect(() => em.persist(lesson)).toThrow(/read-only/);
  expect(lesson.subject.id).toBe(row.subject_id);
  expect(lesson.subject.isInitialized()).toBe(false);
  expect(() => lesson.subject.unwrap()).toThrow(/did not load/);
  // Assigning a property makes a plain own value, never the ORM's change tracking.
  (lesson as { topic: string | null }).topic = 'changed';
  expect(lesson.topic).toBe('changed');
  expect(await em.execute('select topic from lesson where id = ?', [row.id])).toEqual([{ topic: row.topic }]);
});
