import { LocalDateResolver } from 'graphql-scalars';
import type { Ctx } from '../context';
import type { Lesson } from '../entities/lesson.entity';
import { LessonStatus } from '../entities/lesson.entity';
import type { AbsenceReason, AttendanceStatus, CreditBasis } from '../entities/journal.entity';
import type { ControlForm } from '../entities/control-work.entity';
import { contextDecisionOf, isSchoolMember } from '../permissions/rules/common.rules';
import { badInput, notFound } from '../schema/errors';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { clock } from '../clock';
import { addDays, dateIn, mondayOf, timeIn } from './shared';

/** The path of the weekly diary extract beside /graphql (R-DIARY-4). */
export const DIARY_EXTRACT_PATH = '/extracts/diary';

/** A mark of the week as the diary shows it. */
export interface ExtractMark {
  value: string;
  workType: string;
  comment: string | null;
  /** R-JOUR-7: a missed topic credited later. */
  credit: CreditBasis | null;
}

/** An absence or lateness of the student in a lesson (R-JOUR-2). */
export interface ExtractAttendance {
  status: AttendanceStatus;
  reason: AbsenceReason;
  minutesLate: number | null;
  note: string | null;
}

/** One lesson of the week as it took place (moves, substitutions, cancellations applied). */
export interface ExtractLesson {
  number: number;
  startsAt: string | null;
  endsAt: string | null;
  subject: string;
  /** The teacher who conducts it (the substitute when there is one). */
  teacher: string | null;
  substitution: boolean;
  moved: boolean;
  cancelled: boolean;
  cancelReason: string | null;
  topic: string | null;
  controlWorks: { form: ControlForm; title: string | null }[];
  homework: { text: string; pages: string | null; exercises: string | null; links: string[] } | null;
  marks: ExtractMark[];
  attendance: ExtractAttendance[];
}

export interface ExtractDay {
  date: string;
  holiday: string | null;
  lessons: ExtractLesson[];
}

/** Everything a weekly extract prints: what the student's diary shows the viewer for that week. */
export interface DiaryExtract {
  schoolName: string;
  /** Full name, or the pseudonym when the name may not be shown (no consent, erased). */
  studentName: string;
  /** The class(es) the student was in during the week, with the days (a transfer mid-week shows both). */
  classes: { name: string; from: string; to: string }[];
  from: string;
  to: string;
  /** When it was made: the instant, and its date and time in the school's time zone. */
  generated: { instant: Date; date: string; time: string; timeZone: string };
  days: ExtractDay[];
}

/** A `YYYY-MM-DD` argument of the extract, parsed like the schema's LocalDate; BAD_USER_INPUT otherwise. */
export function parseWeek(value: unknown): string {
  try {
    if (typeof value !== 'string') throw new TypeError('not a string');
    return LocalDateResolver.parseValue(value) as string;
  } catch {
    throw badInput('"week" must be a date YYYY-MM-DD (any day of the week)', 'week');
  }
}

/** The extract's path for a student and the week of `date`. */
export const diaryExtractPath = (studentId: string, date: string): string =>
  `${DIARY_EXTRACT_PATH}?student=${encodeURIComponent(toGlobalId('Student', studentId))}&week=${mondayOf(date)}`;

/**
 * R-DIARY-4: a student's weekly diary extract — what the diary (R-DIARY-2) shows the viewer for one
 * week, Monday to Sunday: lessons with times, subjects, teachers and topics, homework, the student's
 * marks with work types and the teachers' comments, absences and latenesses with reasons. Read only
 * through the diary's and the journal's read services, so the extract is granted exactly as
 * `studentDiary` is (the student, current guardians, staff taking part in the student's education
 * today; NOT_FOUND for everyone else) and each record as the diary's `marks(studentId)` and
 * `attendance(studentId)` grant it. The teacher's lesson notes (staff only) are never printed.
 */
export class ExtractService {
  /** The week of `weekDate` (any day of it) of the student's diary; rendering is the caller's (extract.pdf.ts). */
  async diaryWeek(ctx: Ctx, studentGlobalId: string, weekDate: string): Promise<DiaryExtract> {
    // The role check of `Query.studentDiary` (isSchoolMember): no viewer, a one-time password, no role.
    const decision = contextDecisionOf(isSchoolMember)!(ctx);
    if (decision !== true) throw decision;
    const studentId = fromGlobalId(studentGlobalId, 'Student', 'student');
    const from = mondayOf(parseWeek(weekDate));
    const to = addDays(from, 6);
    // The diary's own read and access decision (NOT_FOUND for a student the viewer may not see).
    const diary = await ctx.services.diary.studentDiary(ctx, studentGlobalId, from, to);
    const student = await ctx.loaders.studentById.load(studentId);
    if (!student) throw notFound('Student');
    const school = await ctx.loaders.schoolById.load(student.school.id);
    if (!school) throw notFound('School');
    const { journal, lessons: lessonService, roster } = ctx.services;

    const lessonOf = async (l: Lesson): Promise<ExtractLesson> => {
      const [bell, subject, teacher, homework, marks, attendance, controlWorks] = await Promise.all([
        lessonService.bellTimes(ctx, l),
        lessonService.subject(ctx, l),
        lessonService.staff(ctx, l.conductingTeacherId),
        journal.lessonHomework(ctx, l),
        journal.lessonMarks(ctx, l, studentGlobalId),
        journal.lessonAttendance(ctx, l, studentGlobalId),
        lessonService.controlWorks(ctx, l),
      ]);
      const teacherUser = teacher ? await ctx.services.catalog.staffUser(ctx, teacher) : null;
      return {
        number: l.lessonNumber,
        startsAt: bell?.startsAt ?? null,
        endsAt: bell?.endsAt ?? null,
        subject: subject.name,
        teacher: teacherUser?.fullName ?? null,
        substitution: !!l.substituteTeacher,
        moved: lessonService.moved(l),
        cancelled: l.status === LessonStatus.CANCELLED,
        cancelReason: l.cancelReason ?? null,
        topic: l.topic ?? null,
        controlWorks: controlWorks.map((c) => ({ form: c.form, title: c.title ?? null })),
        homework: homework ? { text: homework.text, pages: homework.pages ?? null, exercises: homework.exercises ?? null, links: homework.links ?? [] } : null,
        marks: await Promise.all(marks.map(async (m) => ({
          value: m.value,
          workType: (await journal.workType(ctx, m.workType.id)).name,
          comment: m.comment ?? null,
          credit: m.creditBasis ?? null,
        }))),
        attendance: attendance.map((a) => ({ status: a.status, reason: a.reason, minutesLate: a.minutesLate ?? null, note: a.note ?? null })),
      };
    };

    const [days, name, classes, timeZone] = await Promise.all([
      Promise.all(diary.map(async (d): Promise<ExtractDay> => {
        const [holiday, lessons] = await Promise.all([d.extras.holiday(d.date), Promise.all(d.lessons.map(lessonOf))]);
        return { date: d.date, holiday: holiday?.name ?? null, lessons };
      })),
      roster.studentFullName(ctx, student),
      Promise.all(diary.map(async (d) => ({ date: d.date, cls: await ctx.loaders.classOfStudent.load(`${studentId}|${d.date}`) }))),
      ctx.services.schoolZones.of(ctx.em, school.id),
    ]);
    // Consecutive days in the same class, as one entry each.
    const runs: DiaryExtract['classes'] = [];
    for (const { date, cls } of classes) {
      if (!cls) continue;
      const last = runs[runs.length - 1];
      if (last && last.name === cls.name && addDays(last.to, 1) === date) last.to = date;
      else runs.push({ name: cls.name, from: date, to: date });
    }
    const now = clock.now();
    return {
      schoolName: school.name,
      studentName: name ?? student.pseudonym,
      classes: runs,
      from,
      to,
      generated: {
        instant: now,
        date: dateIn(timeZone, now),
        time: timeIn(timeZone, now),
        timeZone,
      },
      days,
    };
  }
}
