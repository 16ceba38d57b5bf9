import type { MikroORM, EntityManager } from '@mikro-orm/postgresql';
import { School } from '../../entities/school.entity';
import { Role, RoleAssignment, User } from '../../entities/user.entity';
import { AcademicYear, Holiday, StudyPeriod, StudyPeriodKind } from '../../entities/academic-year.entity';
import { GradingSystem, GradingSystemKind, GradingValue } from '../../entities/grading-system.entity';
import { GradingAssignment, WorkKind, WorkType } from '../../entities/journal.entity';
import { hashPassword } from '../../services/auth.service';
import { runAsActor, systemActor } from '../../services/audit-context';
import { demoData as data } from './calendar';
import { rosterSeedSteps } from './roster';
import { timetableSeedSteps } from './timetable';
import { journalSeedSteps } from './journal';
import { messageSeedSteps } from './messages';

export const DEMO_PASSWORD = 'demo1234';
export const DEMO_SCHOOL_NAME = 'МБОУ «Средняя общеобразовательная школа № 17»';

/** Demo accounts: login, roles, name. */
const DEMO_USERS: { login: string; roles: Role[]; lastName: string; firstName: string; middleName: string }[] = [
  { login: 'admin', roles: [Role.ADMIN], lastName: 'Кузнецов', firstName: 'Павел', middleName: 'Андреевич' },
  { login: 'director', roles: [Role.DIRECTOR], lastName: 'Смирнова', firstName: 'Елена', middleName: 'Викторовна' },
  { login: 'deputy', roles: [Role.DEPUTY], lastName: 'Попова', firstName: 'Ирина', middleName: 'Сергеевна' },
  { login: 'teacher', roles: [Role.TEACHER], lastName: 'Волков', firstName: 'Алексей', middleName: 'Николаевич' },
  { login: 'classteacher', roles: [Role.TEACHER], lastName: 'Соколова', firstName: 'Татьяна', middleName: 'Ивановна' },
  { login: 'student', roles: [Role.STUDENT], lastName: 'Морозов', firstName: 'Кирилл', middleName: 'Дмитриевич' },
  { login: 'parent', roles: [Role.PARENT], lastName: 'Морозова', firstName: 'Ольга', middleName: 'Петровна' },
];
/** R-ROLE-8: an education-authority analyst (added after the first demo release, hence its own step). */
const DEMO_ANALYST = { login: 'analyst', lastName: 'Лебедев', firstName: 'Андрей', middleName: 'Игоревич' };
export const DEMO_LOGINS = [...DEMO_USERS.map((u) => u.login), DEMO_ANALYST.login];

/** Quarters for grades 1–9 and half-years for 10–11; final marks due two days before a period ends (R-JOUR-8). */
export function twoDaysBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 2);
  return d.toISOString().slice(0, 10);
}

/** One named seed step; applied once per database. */
export type SeedStep = { name: string; run: (em: EntityManager) => Promise<void> };

/**
 * Steps of the demo seed, applied once each and remembered in `seed_step`; later features append
 * steps, so an existing demo database grows without being rebuilt.
 */
const foundationSteps: SeedStep[] = [
  {
    name: 'foundation',
    run: async (em) => {
      const school = em.create(School, { name: DEMO_SCHOOL_NAME, timeZone: data.timeZone });
      const year = em.create(AcademicYear, { school, name: data.academicYear.name, startDate: data.academicYear.start, endDate: data.academicYear.end });
      for (const q of data.quarters) {
        em.create(StudyPeriod, { school, academicYear: year, name: q.name, kind: StudyPeriodKind.QUARTER, grades: [1, 2, 3, 4, 5, 6, 7, 8, 9], startDate: q.start, endDate: q.end, finalMarkDeadline: twoDaysBefore(q.end) });
      }
      for (const h of data.halfYears) {
        em.create(StudyPeriod, { school, academicYear: year, name: h.name, kind: StudyPeriodKind.HALF_YEAR, grades: [10, 11], startDate: h.start, endDate: h.end, finalMarkDeadline: twoDaysBefore(h.end) });
      }
      for (const h of data.holidays) {
        em.create(Holiday, { school, academicYear: year, name: h.name, startDate: h.start, endDate: h.end, grades: (h as { grades?: number[] }).grades ?? null });
      }
      const kinds: Record<string, GradingSystemKind> = { 'Пятибалльная': GradingSystemKind.FIVE_POINT, 'Зачёт/незачёт': GradingSystemKind.PASS_FAIL, 'Десятибалльная': GradingSystemKind.TEN_POINT };
      const labels: Record<string, string> = { '1': 'плохо', '2': 'неудовлетворительно', '3': 'удовлетворительно', '4': 'хорошо', '5': 'отлично', 'зач': 'зачтено', 'незач': 'не зачтено' };
      for (const gs of data.gradingSystems) {
        const system = em.create(GradingSystem, { school, name: gs.name, kind: kinds[gs.name] ?? GradingSystemKind.CUSTOM });
        let position = 0;
        for (const v of gs.values) {
          const numeric = Number(v);
          em.create(GradingValue, { gradingSystem: system, code: v, label: gs.name === 'Десятибалльная' ? v : labels[v] ?? v, numericValue: Number.isFinite(numeric) ? numeric : null, passing: gs.passing.includes(v), finalOnly: false, position: position++ });
        }
        for (const s of data.specialFinalMarks) {
          em.create(GradingValue, { gradingSystem: system, code: s.code, label: s.code === 'осв' ? 'освобождён' : 'не аттестован', numericValue: null, passing: s.countsAsPassing, finalOnly: true, position: position++ });
        }
      }
      const hash = await hashPassword(DEMO_PASSWORD);
      for (const u of DEMO_USERS) {
        const user = em.create(User, { login: u.login, passwordHash: hash, lastName: u.lastName, firstName: u.firstName, middleName: u.middleName, mustChangePassword: false });
        for (const role of u.roles) em.create(RoleAssignment, { user, school, role });
      }
    },
  },
  {
    name: 'analyst',
    run: async (em) => {
      const school = await em.findOneOrFail(School, { name: DEMO_SCHOOL_NAME });
      const user = em.create(User, { ...DEMO_ANALYST, passwordHash: await hashPassword(DEMO_PASSWORD), mustChangePassword: false });
      em.create(RoleAssignment, { user, school, role: Role.ANALYST });
    },
  },
];

/** Kinds and default weights of the demo's work types (school-ru.json): written and practical work weigh more, control works most. */
const WORK_KINDS: Record<string, { kind: WorkKind; weight: number }> = {
  current: { kind: WorkKind.CURRENT, weight: 1 },
  written: { kind: WorkKind.WRITTEN, weight: 1.5 },
  practical: { kind: WorkKind.PRACTICAL, weight: 1.5 },
  control: { kind: WorkKind.CONTROL, weight: 2 },
};

/**
 * The journal's set-up of the demo school (R-JOUR-1, R-JOUR-3, R-YEAR-2): work types with weights,
 * the values of each grading system that count as quality, and the five-point system as the
 * default of every academic year.
 */
const journalSetupStep: SeedStep = {
  name: 'journal-setup',
  run: async (em) => {
    const school = await em.findOneOrFail(School, { name: DEMO_SCHOOL_NAME });
    for (const w of data.workTypes) em.create(WorkType, { school, name: w.name, ...WORK_KINDS[w.kind] });
    const systems = await em.find(GradingSystem, { school }, { populate: ['values'] });
    for (const gs of data.gradingSystems) {
      const system = systems.find((s) => s.name === gs.name);
      for (const v of system?.values ?? []) v.quality = !v.finalOnly && gs.quality.includes(v.code);
    }
    const fivePoint = systems.find((s) => s.kind === GradingSystemKind.FIVE_POINT);
    if (fivePoint) {
      for (const year of await em.find(AcademicYear, { school })) {
        em.create(GradingAssignment, { school, academicYear: year, gradingSystem: fivePoint, subject: null, grade: null, schoolClass: null });
      }
    }
  },
};

export const seedSteps: SeedStep[] = [...foundationSteps, journalSetupStep, ...rosterSeedSteps, ...timetableSeedSteps, ...journalSeedSteps, ...messageSeedSteps];

/** Applies the seed steps not applied yet (all, or those named in `only`); returns their names. */
export async function seedDemo(orm: MikroORM, only?: readonly string[]): Promise<string[]> {
  const em = orm.em.fork();
  const done = new Set((await em.getConnection().execute<{ name: string }[]>('select name from seed_step')).map((r) => r.name));
  const applied: string[] = [];
  for (const step of seedSteps) {
    if (done.has(step.name) || (only && !only.includes(step.name))) continue;
    await runAsActor(systemActor(`seed:${step.name}`), () =>
      em.fork().transactional(async (tem) => {
        // The lock makes two instances starting together apply a step once.
        await tem.execute(`select pg_advisory_xact_lock(hashtext('otmetka_seed'))`);
        const again = await tem.execute('select 1 from seed_step where name = ?', [step.name]);
        if (again.length) return;
        await step.run(tem);
        await tem.flush();
        await tem.execute('insert into seed_step (name) values (?)', [step.name]);
        applied.push(step.name);
      }),
    );
  }
  return applied;
}

/** The demo school, for commands and tests that need it. */
export async function demoSchool(em: EntityManager): Promise<School | null> {
  return em.findOne(School, { name: DEMO_SCHOOL_NAME });
}
