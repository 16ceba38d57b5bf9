import { Arg, Ctx as GqlCtx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import type { Ctx } from '../context';
import { AcademicYear } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { Student } from '../entities/student.entity';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { BellSchedule, BellSlot, TimetableEntry } from '../entities/timetable.entity';
import {
  BellScheduleRemoveInput, BellScheduleRemovePayload, BellScheduleSetInput, BellScheduleSetPayload, LessonsGenerateInput,
  LessonsGeneratePayload, TimetableEntryCreateInput, TimetableEntryCreatePayload, TimetableEntryDeleteInput,
  TimetableEntryDeletePayload, TimetableEntryEndInput, TimetableEntryEndPayload,
} from '../schema/timetable.types';

const inputArg = { description: 'The input of the action.' } as const;
const yearArg = { description: 'Global ID of the academic year.' } as const;

@Resolver(() => BellSchedule)
export class BellScheduleResolver {
  @Query(() => [BellSchedule], { description: 'Bell schedules of an academic year (R-YEAR-6): the school default first, then those of classes and groups.' })
  async bellSchedules(@Arg('academicYearId', () => ID, yearArg) academicYearId: string, @GqlCtx() ctx: Ctx): Promise<BellSchedule[]> {
    return ctx.services.timetable.bellSchedules(ctx, academicYearId);
  }

  @Query(() => BellSchedule, { nullable: true, description: 'The bell schedule that applies (R-YEAR-6): the group\'s own, else (for a subgroup) its class\'s, else the class\'s own, else the school default of the year; null when none is set. Without classId and groupId: the school default.' })
  async effectiveBellSchedule(
    @Arg('academicYearId', () => ID, yearArg) academicYearId: string,
    @Arg('classId', () => ID, { nullable: true, description: 'Global ID of a class.' }) classId: string | null | undefined,
    @Arg('groupId', () => ID, { nullable: true, description: 'Global ID of a study group (not together with classId).' }) groupId: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<BellSchedule | null> {
    return ctx.services.timetable.effectiveBellSchedule(ctx, academicYearId, classId, groupId);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() b: BellSchedule, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.timetable.yearOf(ctx, b.academicYear.id);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class the schedule is for; null for a group\'s schedule or the school default.' })
  async schoolClass(@Root() b: BellSchedule, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return b.schoolClass ? ctx.services.timetable.classOf(ctx, b.schoolClass.id) : null;
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group the schedule is for; null for a class\'s schedule or the school default.' })
  async group(@Root() b: BellSchedule, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return b.group ? ctx.services.timetable.groupOf(ctx, b.group.id) : null;
  }

  @FieldResolver(() => Boolean, { description: 'Whether this is the school default of the year (neither class nor group).' })
  isSchoolDefault(@Root() b: BellSchedule): boolean {
    return !b.schoolClass && !b.group;
  }

  @FieldResolver(() => [BellSlot], { description: 'The lessons by lesson number.' })
  async slots(@Root() b: BellSchedule, @GqlCtx() ctx: Ctx): Promise<BellSlot[]> {
    return ctx.services.timetable.bellSlots(ctx, b);
  }

  @Mutation(() => BellScheduleSetPayload, { description: 'Creates or replaces the bell schedule of a year for the school (default), a class or a group, with all its lessons (R-YEAR-6). ADMIN or DEPUTY of the school.' })
  async bellScheduleSet(@Arg('input', () => BellScheduleSetInput, inputArg) input: BellScheduleSetInput, @GqlCtx() ctx: Ctx): Promise<BellScheduleSetPayload> {
    return Object.assign(new BellScheduleSetPayload(), await ctx.services.timetable.bellScheduleSet(ctx, input));
  }

  @Mutation(() => BellScheduleRemovePayload, { description: 'Removes a bell schedule; its class or group follows the next applicable one (R-YEAR-6). ADMIN or DEPUTY of the school.' })
  async bellScheduleRemove(@Arg('input', () => BellScheduleRemoveInput, inputArg) input: BellScheduleRemoveInput, @GqlCtx() ctx: Ctx): Promise<BellScheduleRemovePayload> {
    return Object.assign(new BellScheduleRemovePayload(), await ctx.services.timetable.bellScheduleRemove(ctx, input));
  }
}

@Resolver(() => BellSlot)
export class BellSlotResolver {
  @FieldResolver(() => BellSchedule, { description: 'The bell schedule of the lesson.' })
  async bellSchedule(@Root() s: BellSlot, @GqlCtx() ctx: Ctx): Promise<BellSchedule> {
    return ctx.services.timetable.bellScheduleOf(ctx, s.bellSchedule.id);
  }
}

@Resolver(() => TimetableEntry)
export class TimetableEntryResolver {
  @Query(() => [TimetableEntry], { description: 'The weekly timetable of an academic year by weekday and lesson number (R-YEAR-9, R-DIARY-2), filtered by any of class (with its subgroups and the streams it is in), group, student (their classes\', groups\' and individual entries), teacher and room; with onDate only the entries valid that day. Individual-plan entries only for those taking part in the student\'s education; a student the viewer may not see is NOT_FOUND.' })
  async timetable(
    @Arg('academicYearId', () => ID, yearArg) academicYearId: string,
    @Arg('classId', () => ID, { nullable: true, description: 'Only the timetable of this class: its own entries, its subgroups\' and those of the streams it is in.' }) classId: string | null | undefined,
    @Arg('groupId', () => ID, { nullable: true, description: 'Only the entries of this study group.' }) groupId: string | null | undefined,
    @Arg('studentId', () => ID, { nullable: true, description: 'Only the timetable of this student: entries of their classes and groups (by membership) and their individual entries.' }) studentId: string | null | undefined,
    @Arg('teacherId', () => ID, { nullable: true, description: 'Only the entries of this teacher (Staff).' }) teacherId: string | null | undefined,
    @Arg('roomId', () => ID, { nullable: true, description: 'Only the entries in this room.' }) roomId: string | null | undefined,
    @Arg('onDate', () => LocalDateResolver, { nullable: true, description: 'Only entries valid on this day (and, for a student, membership on this day).' }) onDate: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<TimetableEntry[]> {
    return ctx.services.timetable.timetable(ctx, { academicYearId, classId, groupId, studentId, teacherId, roomId, onDate });
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.timetable.yearOf(ctx, e.academicYear.id);
  }

  @FieldResolver(() => Subject, { description: 'The subject.' })
  async subject(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return ctx.services.timetable.subjectOf(ctx, e.subject.id);
  }

  @FieldResolver(() => Staff, { description: 'The teacher.' })
  async teacher(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return ctx.services.timetable.staffOf(ctx, e.teacher.id);
  }

  @FieldResolver(() => Room, { nullable: true, description: 'The room; null when not fixed.' })
  async room(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<Room | null> {
    return ctx.services.timetable.roomOf(ctx, e.room?.id);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class, for a lesson of the whole class; else null.' })
  async schoolClass(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return e.schoolClass ? ctx.services.timetable.classOf(ctx, e.schoolClass.id) : null;
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group (subgroup, cross-class group or stream); else null.' })
  async group(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return e.group ? ctx.services.timetable.groupOf(ctx, e.group.id) : null;
  }

  @FieldResolver(() => Student, { nullable: true, description: 'The student of an individual plan\'s entry; else null.' })
  async student(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<Student | null> {
    return e.student ? ctx.services.timetable.studentOf(ctx, e.student.id) : null;
  }

  @FieldResolver(() => BellSlot, { nullable: true, description: 'Start and end of the lesson in the bell schedule that applies to the entry\'s class or group; null when no schedule applies.' })
  async bellSlot(@Root() e: TimetableEntry, @GqlCtx() ctx: Ctx): Promise<BellSlot | null> {
    return ctx.services.timetable.entryBellSlot(ctx, e);
  }

  @Mutation(() => TimetableEntryCreatePayload, { description: 'Adds a weekly timetable entry for a class, a group or stream, or one student (R-YEAR-9); a teacher, room, class or student in two places at once is refused with a userError naming the clash. ADMIN or DEPUTY of the school.' })
  async timetableEntryCreate(@Arg('input', () => TimetableEntryCreateInput, inputArg) input: TimetableEntryCreateInput, @GqlCtx() ctx: Ctx): Promise<TimetableEntryCreatePayload> {
    return Object.assign(new TimetableEntryCreatePayload(), await ctx.services.timetable.timetableEntryCreate(ctx, input));
  }

  @Mutation(() => TimetableEntryEndPayload, { description: 'Ends a timetable entry on a day; a change of teacher or room from a date is this plus a new entry (R-YEAR-9). The day it already ends on is a success that changes nothing (no audit entry, no event). ADMIN or DEPUTY of the school.' })
  async timetableEntryEnd(@Arg('input', () => TimetableEntryEndInput, inputArg) input: TimetableEntryEndInput, @GqlCtx() ctx: Ctx): Promise<TimetableEntryEndPayload> {
    return Object.assign(new TimetableEntryEndPayload(), await ctx.services.timetable.timetableEntryEnd(ctx, input));
  }

  @Mutation(() => TimetableEntryDeletePayload, { description: 'Deletes a timetable entry with its lessons that have no journal data; lessons with journal data stay and are reported (R-YEAR-9). ADMIN or DEPUTY of the school.' })
  async timetableEntryDelete(@Arg('input', () => TimetableEntryDeleteInput, inputArg) input: TimetableEntryDeleteInput, @GqlCtx() ctx: Ctx): Promise<TimetableEntryDeletePayload> {
    return Object.assign(new TimetableEntryDeletePayload(), await ctx.services.timetable.timetableEntryDelete(ctx, input));
  }
}

@Resolver()
export class LessonGenerationResolver {
  @Mutation(() => LessonsGeneratePayload, { description: 'Expands the timetable of a study period into dated lessons, skipping holidays; idempotent. After a timetable change it creates the missing lessons, deletes those without journal data that no longer fit, and keeps and reports those with journal data (R-YEAR-9, R-JOUR-1). ADMIN or DEPUTY of the school.' })
  async lessonsGenerate(@Arg('input', () => LessonsGenerateInput, inputArg) input: LessonsGenerateInput, @GqlCtx() ctx: Ctx): Promise<LessonsGeneratePayload> {
    return Object.assign(new LessonsGeneratePayload(), await ctx.services.timetable.lessonsGenerate(ctx, input));
  }
}

/** Resolvers of the timetable feature. */
export const timetableResolvers: Function[] = [BellScheduleResolver, BellSlotResolver, TimetableEntryResolver, LessonGenerationResolver];
