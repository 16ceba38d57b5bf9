import { EVERY_USER, type Actor, type MatrixEnv, type MatrixOp } from '../helpers/matrix';
import type { MatrixFixtures } from './fixtures';
import { commitEvent } from '../helpers/live';

const STAFF: Actor[] = ['admin', 'director', 'deputy', 'teacher', 'classteacher'];

/**
 * Matrix entries of the live subscriptions (run over graphql-ws by the matrix). Before subscribing,
 * an event for the target is committed and the subscription starts from the cursor before it, so an
 * allowed subscriber receives it at once and a refused one gets an error: no waiting on silence.
 */
export function eventOps(fx: MatrixFixtures): MatrixOp[] {
  const headCursor = async () => String((await fx.app.sql(`select last_seq from outbox_head`))[0].last_seq);
  const commit = (studentIds: string[], teacherUserIds: string[]) => commitEvent(fx.app, fx.demoSchoolUuid(), studentIds, { teacherUserIds });
  const userUuid = async (env: MatrixEnv) =>
    (await fx.app.sql(`select id from app_user where login = $1`, [env.actor === 'anonymous' ? 'admin' : env.actor]))[0].id as string;
  return [
    {
      field: 'Subscription.diaryEvents', requirement: 'R-DIARY-3',
      allowed: EVERY_USER.filter((a) => a !== 'analyst'), hidden: ['analyst'],
      document: `subscription($s: ID!, $after: String) { diaryEvents(studentId: $s, after: $after) { cursor kind studentId } }`,
      variables: async (env) => {
        const { studentId } = await fx.studentFor(env.actor);
        const after = await headCursor();
        await commit([fx.uuidOf(studentId)], []);
        return { s: studentId, after };
      },
      check: (r, env) => {
        expect(r.data.diaryEvents).toMatchObject({ kind: 'TIMETABLE_CHANGED' });
        expect(env.actor).not.toBe('anonymous');
      },
    },
    {
      field: 'Subscription.teacherEvents', requirement: 'R-DIARY-3',
      allowed: STAFF,
      document: `subscription($after: String) { teacherEvents(after: $after) { cursor kind studentId } }`,
      variables: async (env) => {
        const after = await headCursor();
        await commit([], [await userUuid(env)]);
        return { after };
      },
      check: (r) => expect(r.data.teacherEvents).toMatchObject({ kind: 'TIMETABLE_CHANGED', studentId: null }),
    },
  ];
}
