import { EVERY_USER, type Actor, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';
import * as f from '../helpers/factories';

const MANAGERS: Actor[] = ['admin', 'deputy'];
const ERR = 'userErrors { code message }';

/** Matrix entries of bell schedules, the timetable and lesson generation (R-YEAR-6, R-YEAR-9). */
export function timetableOps(fx: MatrixFixtures): MatrixOp[] {
  const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
  /** A teacher of their own per entry (a staff row of a new account), so entries never clash. */
  const newTeacher = async () => {
    const account = { login: `tt.matrix${fx.next()}`, lastName: 'Расписанова', firstName: 'Вера' };
    return gid('Staff', (await f.staff(fx.app, fx.demoSchoolUuid(), { roles: [], account })).staffId);
  };
  const entryInput = async (over: Record<string, unknown> = {}) => ({
    academicYearId: fx.yearId(), weekday: 1, lessonNumber: 1, subjectId: await fx.newSubject(), teacherId: await newTeacher(),
    classId: await fx.newPlainClass(), validFrom: '2025-09-01', validTo: '2025-12-26', ...over,
  });
  const newEntry = async () => {
    const r = await fx.setup().ok(`mutation($i: TimetableEntryCreateInput!) { timetableEntryCreate(input: $i) { timetableEntry { id validFrom } ${ERR} } }`,
      { i: await entryInput() });
    return r.timetableEntryCreate.timetableEntry as { id: string; validFrom: string };
  };
  /** A study period of a far-away year of its own with one timetable entry, so generating creates lessons. */
  const periodWithEntry = async () => {
    const y = 2600 + 2 * fx.next();
    const yearId = await f.academicYear(fx.app, fx.demoSchoolUuid(), `${y}-09-01`, `${y + 1}-05-31`, { name: `${y}/${y + 1}` });
    const [period] = await fx.app.sql(`insert into study_period (id, created_at, updated_at, school_id, academic_year_id, name, kind, grades, start_date, end_date, final_mark_deadline)
      values (gen_random_uuid(), now(), now(), $1, $2, 'P', 'QUARTER', '{5}', $3, $4, $4) returning id`, [fx.demoSchoolUuid(), yearId, `${y}-09-01`, `${y}-09-30`]);
    const cls = await f.schoolClass(fx.app, fx.demoSchoolUuid(), yearId, { grade: 5, letter: 'А' });
    await fx.setup().ok(`mutation($i: TimetableEntryCreateInput!) { timetableEntryCreate(input: $i) { ${ERR} } }`, {
      i: { academicYearId: gid('AcademicYear', yearId), weekday: 2, lessonNumber: 1, subjectId: await fx.newSubject(), teacherId: await newTeacher(),
        classId: gid('SchoolClass', cls), validFrom: `${y}-09-01`, validTo: `${y}-09-30` },
    });
    return gid('StudyPeriod', period.id);
  };
  const newSchedule = async () => {
    const r = await fx.setup().ok(`mutation($i: BellScheduleSetInput!) { bellScheduleSet(input: $i) { bellSchedule { id } ${ERR} } }`,
      { i: { academicYearId: fx.yearId(), classId: await fx.newPlainClass(), name: 'Звонки', slots: [{ lessonNumber: 1, startsAt: '08:30', endsAt: '09:15' }] } });
    return r.bellScheduleSet.bellSchedule.id as string;
  };

  return [
    { field: 'Query.bellSchedules', requirement: 'R-YEAR-6', allowed: EVERY_USER,
      document: `query($y: ID!) { bellSchedules(academicYearId: $y) { id name slots { lessonNumber startsAt endsAt } } }`, variables: () => ({ y: fx.yearId() }) },
    { field: 'Query.effectiveBellSchedule', requirement: 'R-YEAR-6', allowed: EVERY_USER,
      document: `query($y: ID!, $c: ID) { effectiveBellSchedule(academicYearId: $y, classId: $c) { id name } }`,
      variables: async () => ({ y: fx.yearId(), c: await fx.newPlainClass() }) },
    { field: 'Query.timetable', requirement: 'R-YEAR-9', allowed: EVERY_USER,
      document: `query($y: ID!, $c: ID) { timetable(academicYearId: $y, classId: $c) { id weekday lessonNumber } }`,
      variables: async () => ({ y: fx.yearId(), c: await fx.newPlainClass() }) },
    { field: 'Mutation.bellScheduleSet', requirement: 'R-YEAR-6', allowed: MANAGERS,
      document: `mutation($i: BellScheduleSetInput!) { bellScheduleSet(input: $i) { bellSchedule { id } ${ERR} } }`,
      variables: async () => ({ i: { academicYearId: fx.yearId(), classId: await fx.newPlainClass(), name: 'Звонки', slots: [{ lessonNumber: 1, startsAt: '08:30', endsAt: '09:15' }] } }) },
    { field: 'Mutation.bellScheduleRemove', requirement: 'R-YEAR-6', allowed: MANAGERS,
      document: `mutation($i: BellScheduleRemoveInput!) { bellScheduleRemove(input: $i) { deletedBellScheduleId ${ERR} } }`,
      variables: async () => ({ i: { id: await newSchedule() } }) },
    { field: 'Mutation.timetableEntryCreate', requirement: 'R-YEAR-9', allowed: MANAGERS,
      document: `mutation($i: TimetableEntryCreateInput!) { timetableEntryCreate(input: $i) { timetableEntry { id } ${ERR} } }`,
      variables: async () => ({ i: await entryInput() }) },
    { field: 'Mutation.timetableEntryEnd', requirement: 'R-YEAR-9', allowed: MANAGERS,
      document: `mutation($i: TimetableEntryEndInput!) { timetableEntryEnd(input: $i) { timetableEntry { id validTo } ${ERR} } }`,
      variables: async () => {
        const e = await newEntry();
        return { i: { id: e.id, lastDate: e.validFrom } };
      } },
    { field: 'Mutation.timetableEntryDelete', requirement: 'R-YEAR-9', allowed: MANAGERS,
      document: `mutation($i: TimetableEntryDeleteInput!) { timetableEntryDelete(input: $i) { deletedTimetableEntryId removedLessonCount ${ERR} } }`,
      variables: async () => ({ i: { id: (await newEntry()).id } }) },
    { field: 'Mutation.lessonsGenerate', requirement: 'R-YEAR-9', allowed: MANAGERS,
      document: `mutation($i: LessonsGenerateInput!) { lessonsGenerate(input: $i) { created removed ${ERR} } }`,
      variables: async () => ({ i: { periodId: await periodWithEntry() } }),
      check: (r) => expect(r.data.lessonsGenerate.created).toBeGreaterThan(0) },
  ];
}
