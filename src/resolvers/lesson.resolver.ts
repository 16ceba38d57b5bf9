import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx as GqlCtx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { selectedFields } from '../schema/selection';
import { diaryWants } from '../services/diary.service';
import { LocalDateResolver, LocalTimeResolver } from 'graphql-scalars';
import type { Ctx } from '../context';
import { AcademicYear } from '../entities/academic-year.entity';
import { Lesson } from '../entities/lesson.entity';
import { ControlWork } from '../entities/control-work.entity';
import { Holiday } from '../entities/academic-year.entity';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { Student } from '../entities/student.entity';
import { TimetableEntry } from '../entities/timetable.entity';
import { required } from '../schema/errors';
import {
  LessonCancelInput, LessonCancelPayload, LessonMoveInput, LessonMovePayload, LessonRestoreInput, LessonRestorePayload, LessonSlot,
  LessonSubstituteInput, LessonSubstitutePayload, LessonSubstitutionRemoveInput, LessonSubstitutionRemovePayload, LessonTopicSetInput,
  LessonSlotAvailability, LessonTopicSetPayload,
} from '../schema/lesson.types';
import { DIARY_CONTROL_WORKS_DOC, DIARY_HOLIDAY_DOC, DiaryDay, TeacherDay } from '../schema/diary.types';

const inputArg = { description: 'The input of the action.' } as const;
const fromArg = { description: 'First day (inclusive).' } as const;
const toArg = { description: 'Last day (inclusive); at most 31 days after `from` counted inclusively, else BAD_USER_INPUT with reason RANGE_TOO_LONG.' } as const;

@Resolver(() => Lesson)
export class LessonResolver {
  @FieldResolver(() => LocalTimeResolver, { nullable: true, description: 'Start (school-local time) from the bell schedule that applies: the group\'s own, else its class\'s, else the school\'s default for the year (R-YEAR-6); null when it has no such lesson number.' })
  startsAt(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.lessons.bellTimes(ctx, l).then((b) => b?.startsAt ?? null);
  }

  @FieldResolver(() => LocalTimeResolver, { nullable: true, description: 'End (school-local time) from the bell schedule that applies; null when it has no such lesson number.' })
  endsAt(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.lessons.bellTimes(ctx, l).then((b) => b?.endsAt ?? null);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.lessons.academicYear(ctx, l.academicYear.id);
  }

  @FieldResolver(() => Subject, { description: 'The subject.' })
  subject(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return ctx.services.lessons.subject(ctx, l);
  }

  @FieldResolver(() => Staff, { description: 'The teacher of the timetable (whoever conducts the lesson: see `conductingTeacher`).' })
  teacher(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return required(ctx.services.lessons.staff(ctx, l.teacher.id), 'Staff member');
  }

  @FieldResolver(() => Staff, { nullable: true, description: 'The substitute who conducts the lesson instead of `teacher` (R-JOUR-6); null without a substitution.' })
  async substituteTeacher(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Staff | null> {
    return ctx.services.lessons.staff(ctx, l.substituteTeacher?.id);
  }

  @FieldResolver(() => Staff, { description: 'The teacher who conducts the lesson and fills it in: the substitute when there is one, else the timetable teacher.' })
  async conductingTeacher(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return required(ctx.services.lessons.staff(ctx, l.conductingTeacherId), 'Staff member');
  }

  @FieldResolver(() => Boolean, { description: 'A substitute conducts the lesson (R-JOUR-6).' })
  isSubstitution(@Root() l: Lesson): boolean {
    return !!l.substituteTeacher;
  }

  @FieldResolver(() => Room, { nullable: true, description: 'The room it takes place in (after a move); null when none is set.' })
  room(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Room | null> | null {
    return ctx.services.lessons.room(ctx, l.room?.id);
  }

  @FieldResolver(() => Room, { nullable: true, description: 'The room the timetable gave it; null when none.' })
  async plannedRoom(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Room | null> {
    return ctx.services.lessons.room(ctx, l.plannedRoom?.id);
  }

  @FieldResolver(() => Boolean, { description: 'It takes place at another date, lesson number or room than the timetable gave it.' })
  moved(@Root() l: Lesson, @GqlCtx() ctx: Ctx): boolean {
    return ctx.services.lessons.moved(l);
  }

  @FieldResolver(() => LessonSlot, { nullable: true, description: 'For a moved lesson, where the timetable had it (R-DIARY-2); null when it was not moved.' })
  movedFrom(@Root() l: Lesson, @GqlCtx() ctx: Ctx): LessonSlot | null {
    return ctx.services.lessons.movedFrom(l);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class it is for; null for a group or individual lesson.' })
  async schoolClass(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.lessons.schoolClass(ctx, l.schoolClass?.id);
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group (subgroup, elective, club or stream) it is for; null for a class or individual lesson.' })
  async group(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return ctx.services.lessons.group(ctx, l.group?.id);
  }

  @FieldResolver(() => Student, { nullable: true, description: 'The student of an individual lesson (individual plan), by pseudonym; personal data only for those taking part in the student\'s education (R-SEC-3). Null for a class or group lesson.' })
  async student(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Student | null> {
    return ctx.services.lessons.student(ctx, l.student?.id);
  }

  @FieldResolver(() => TimetableEntry, { nullable: true, description: 'The weekly timetable entry it was generated from; null once that entry was deleted.' })
  async timetableEntry(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<TimetableEntry | null> {
    return ctx.services.lessons.timetableEntry(ctx, l);
  }

  @FieldResolver(() => [ControlWork], { description: 'Control works (R-YEAR-10) of this subject and class or group on the lesson\'s day, at its lesson number or without one; cancelled ones left out.' })
  async controlWorks(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<ControlWork[]> {
    return ctx.services.lessons.controlWorks(ctx, l);
  }

  @Query(() => LessonSlotAvailability, {
    description: 'The teachers and rooms free at a date and lesson number of a school (R-JOUR-6, R-YEAR-9), to choose a substitute or a room without trial and error: '
      + 'every teacher listed can be registered with `lessonSubstitute` for a lesson at that slot without TEACHER_CONFLICT, and every room listed given to `lessonMove` without ROOM_CONFLICT '
      + '(the same clash rules; a change committed meanwhile is still refused by the mutation). Empty lists on a holiday of the school or of the given class or group. '
      + 'ADMIN, DIRECTOR or DEPUTY of the school; another school is NOT_FOUND.',
  })
  async lessonSlotAvailability(
    @Arg('schoolId', () => ID, { description: 'Global ID of the school.' }) schoolId: string,
    @Arg('date', () => LocalDateResolver, { description: 'The date; it must lie in an academic year of the school.' }) date: string,
    @Arg('lessonNumber', () => Int, { description: 'The lesson number of the day, 0–15.' }) lessonNumber: number,
    @Arg('classId', () => ID, { nullable: true, description: 'The class the lesson is for: its grade\'s holidays apply, and teachers of the class are listed first.' }) classId: string | null | undefined,
    @Arg('groupId', () => ID, { nullable: true, description: 'The study group the lesson is for (instead of a class): its grades\' holidays apply, and its teachers are listed first.' }) groupId: string | null | undefined,
    @Arg('subjectId', () => ID, { nullable: true, description: 'The subject of the lesson: teachers of the subject are listed first.' }) subjectId: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<LessonSlotAvailability> {
    return ctx.services.lessons.lessonSlotAvailability(ctx, { schoolId, date, lessonNumber, classId, groupId, subjectId });
  }

  @Mutation(() => LessonSubstitutePayload, { description: 'Records that a substitute conducts a lesson, with the reason (R-JOUR-6); the substitute may then fill in that lesson only, and its own teacher no longer may. Refused when the substitute is busy at that time (`lessonSlotAvailability` lists who is free). The same substitute and reason again is a success that changes nothing (no audit entry, no event). ADMIN, DIRECTOR or DEPUTY of the school.' })
  async lessonSubstitute(@Arg('input', () => LessonSubstituteInput, inputArg) input: LessonSubstituteInput, @GqlCtx() ctx: Ctx): Promise<LessonSubstitutePayload> {
    return Object.assign(new LessonSubstitutePayload(), await ctx.services.lessons.lessonSubstitute(ctx, input));
  }

  @Mutation(() => LessonSubstitutionRemovePayload, { description: 'Withdraws a substitution: the timetable teacher conducts the lesson again (R-JOUR-6). ADMIN, DIRECTOR or DEPUTY of the school.' })
  async lessonSubstitutionRemove(@Arg('input', () => LessonSubstitutionRemoveInput, inputArg) input: LessonSubstitutionRemoveInput, @GqlCtx() ctx: Ctx): Promise<LessonSubstitutionRemovePayload> {
    return Object.assign(new LessonSubstitutionRemovePayload(), await ctx.services.lessons.lessonSubstitutionRemove(ctx, input));
  }

  @Mutation(() => LessonMovePayload, { description: 'Moves a lesson to another date, lesson number and/or room (R-DIARY-2); refused on a holiday or when the teacher, room, class or group or a student is busy there. Moving it to where it already is is a success that changes nothing (no audit entry, no event). ADMIN, DIRECTOR or DEPUTY of the school.' })
  async lessonMove(@Arg('input', () => LessonMoveInput, inputArg) input: LessonMoveInput, @GqlCtx() ctx: Ctx): Promise<LessonMovePayload> {
    return Object.assign(new LessonMovePayload(), await ctx.services.lessons.lessonMove(ctx, input));
  }

  @Mutation(() => LessonCancelPayload, { description: 'Cancels a lesson with a reason; it stays and shows as cancelled in the diary. ADMIN, DIRECTOR or DEPUTY of the school.' })
  async lessonCancel(@Arg('input', () => LessonCancelInput, inputArg) input: LessonCancelInput, @GqlCtx() ctx: Ctx): Promise<LessonCancelPayload> {
    return Object.assign(new LessonCancelPayload(), await ctx.services.lessons.lessonCancel(ctx, input));
  }

  @Mutation(() => LessonRestorePayload, { description: 'A cancelled lesson takes place after all; refused when its slot is no longer free. ADMIN, DIRECTOR or DEPUTY of the school.' })
  async lessonRestore(@Arg('input', () => LessonRestoreInput, inputArg) input: LessonRestoreInput, @GqlCtx() ctx: Ctx): Promise<LessonRestorePayload> {
    return Object.assign(new LessonRestorePayload(), await ctx.services.lessons.lessonRestore(ctx, input));
  }

  @Mutation(() => LessonTopicSetPayload, { description: 'Sets the topic of a lesson (R-JOUR-1). Only the teacher who conducts it: its substitute when there is one, else its timetable teacher (R-JOUR-6). The topic it already has (an auto-save) is a success that changes nothing (no audit entry).' })
  async lessonTopicSet(@Arg('input', () => LessonTopicSetInput, inputArg) input: LessonTopicSetInput, @GqlCtx() ctx: Ctx): Promise<LessonTopicSetPayload> {
    return Object.assign(new LessonTopicSetPayload(), await ctx.services.lessons.lessonTopicSet(ctx, input));
  }
}

@Resolver(() => LessonSlot)
export class LessonSlotResolver {
  @FieldResolver(() => Room, { nullable: true, description: 'The room; null when none was set.' })
  async room(@Root() s: LessonSlot, @GqlCtx() ctx: Ctx): Promise<Room | null> {
    return ctx.services.lessons.room(ctx, s.roomId);
  }
}

@Resolver(() => DiaryDay)
export class DiaryResolver {
  @Query(() => [DiaryDay], { description: 'A student\'s diary (R-DIARY-2), one entry per day: lessons with substitutions, moves and cancellations applied, holidays and control works. For the student, their guardians and staff taking part in their education; else NOT_FOUND.' })
  async studentDiary(
    @Arg('studentId', () => ID, { description: 'Global ID of the student.' }) studentId: string,
    @Arg('from', () => LocalDateResolver, fromArg) from: string,
    @Arg('to', () => LocalDateResolver, toArg) to: string,
    @GqlCtx() ctx: Ctx,
    @Info() info: GraphQLResolveInfo,
  ): Promise<DiaryDay[]> {
    return ctx.services.diary.studentDiary(ctx, studentId, from, to, diaryWants(selectedFields(info, ['lessons'])));
  }

  @FieldResolver(() => Holiday, { nullable: true, description: DIARY_HOLIDAY_DOC })
  holiday(@Root() day: DiaryDay): Promise<Holiday | null> {
    return day.extras.holiday(day.date);
  }

  @FieldResolver(() => [ControlWork], { description: DIARY_CONTROL_WORKS_DOC })
  controlWorks(@Root() day: DiaryDay): Promise<ControlWork[]> {
    return day.extras.controlWorks(day.date);
  }

  @Query(() => [TeacherDay], { description: 'A teacher\'s timetable, one entry per day: their own lessons without a substitute and the lessons they substitute (R-JOUR-6); `entries` also shows their own lessons a substitute conducts, with the role of each. Without `teacherId`, the viewer\'s own; another teacher\'s for the ADMIN, DIRECTOR or DEPUTY of their school.' })
  async teacherTimetable(
    @Arg('from', () => LocalDateResolver, fromArg) from: string,
    @Arg('to', () => LocalDateResolver, toArg) to: string,
    @Arg('teacherId', () => ID, { nullable: true, description: 'Global ID of the staff member; omitted = the viewer.' }) teacherId: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<TeacherDay[]> {
    return ctx.services.diary.teacherTimetable(ctx, from, to, teacherId);
  }
}

/** Resolvers of the lesson feature: lesson changes and topic, the diary. */
export const lessonResolvers: Function[] = [LessonResolver, LessonSlotResolver, DiaryResolver];
