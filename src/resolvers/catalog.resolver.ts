import { Arg, Args, Ctx as GqlCtx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { User } from '../entities/user.entity';
import { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { TeachingAssignment } from '../entities/teaching-assignment.entity';
import { CurriculumItem, PlannedTopic, ThematicPlan } from '../entities/curriculum.entity';
import { PageArgs } from '../schema/connection';
import {
  RoomArchiveInput, RoomCreateInput, RoomPayload, RoomUpdateInput, StaffArchiveInput, StaffConnection, StaffCreateInput,
  StaffCreatePayload, StaffPayload, StaffUpdateInput, SubjectArchiveInput, SubjectCreateInput, SubjectPayload, SubjectUpdateInput,
} from '../schema/catalog.types';
import {
  Curriculum, CurriculumSetInput, CurriculumSetPayload, PlannedTopicsReorderInput, TeacherLoad, TeacherLoadLine,
  TeachingAssignmentCreateInput, TeachingAssignmentDeleteInput, TeachingAssignmentDeletePayload, TeachingAssignmentPayload,
  TeachingAssignmentUpdateInput, ThematicPlanPayload, ThematicPlanReplaceInput,
} from '../schema/teaching.types';

const inputArg = { description: 'The input of the action.' } as const;
const schoolArg = { description: 'Global ID of the school.' } as const;
const archivedArg = { defaultValue: false, description: 'Include archived ones.' } as const;
const yearArg = { description: 'Global ID of the academic year.' } as const;
const classArg = { nullable: true, description: 'Global ID of the class (give this or groupId).' } as const;
const groupArg = { nullable: true, description: 'Global ID of the study group (give this or classId).' } as const;

@Resolver(() => Subject)
export class SubjectResolver {
  @Query(() => [Subject], { description: 'Subjects of a school, by name (R-YEAR-3). Every member of the school.' })
  async subjects(
    @Arg('schoolId', () => ID, schoolArg) schoolId: string,
    @Arg('includeArchived', () => Boolean, archivedArg) includeArchived: boolean,
    @GqlCtx() ctx: Ctx,
  ): Promise<Subject[]> {
    return ctx.services.catalog.subjects(ctx, schoolId, includeArchived);
  }

  @Mutation(() => SubjectPayload, { description: 'Adds a subject (R-YEAR-3). ADMIN or DEPUTY of the school.' })
  async subjectCreate(@Arg('input', () => SubjectCreateInput, inputArg) input: SubjectCreateInput, @GqlCtx() ctx: Ctx): Promise<SubjectPayload> {
    return Object.assign(new SubjectPayload(), await ctx.services.catalog.subjectCreate(ctx, input));
  }

  @Mutation(() => SubjectPayload, { description: 'Renames or changes a subject (R-YEAR-3). ADMIN or DEPUTY of the school.' })
  async subjectUpdate(@Arg('input', () => SubjectUpdateInput, inputArg) input: SubjectUpdateInput, @GqlCtx() ctx: Ctx): Promise<SubjectPayload> {
    return Object.assign(new SubjectPayload(), await ctx.services.catalog.subjectUpdate(ctx, input));
  }

  @Mutation(() => SubjectPayload, { description: 'Archives a subject: it keeps its history and is not offered for new plans (R-YEAR-3). ADMIN or DEPUTY of the school.' })
  async subjectArchive(@Arg('input', () => SubjectArchiveInput, inputArg) input: SubjectArchiveInput, @GqlCtx() ctx: Ctx): Promise<SubjectPayload> {
    return Object.assign(new SubjectPayload(), await ctx.services.catalog.subjectArchive(ctx, input));
  }
}

@Resolver(() => Room)
export class RoomResolver {
  @Query(() => [Room], { description: 'Rooms of a school, by name (R-YEAR-3). Every member of the school.' })
  async rooms(
    @Arg('schoolId', () => ID, schoolArg) schoolId: string,
    @Arg('includeArchived', () => Boolean, archivedArg) includeArchived: boolean,
    @GqlCtx() ctx: Ctx,
  ): Promise<Room[]> {
    return ctx.services.catalog.rooms(ctx, schoolId, includeArchived);
  }

  @Mutation(() => RoomPayload, { description: 'Adds a room (R-YEAR-3). ADMIN or DEPUTY of the school.' })
  async roomCreate(@Arg('input', () => RoomCreateInput, inputArg) input: RoomCreateInput, @GqlCtx() ctx: Ctx): Promise<RoomPayload> {
    return Object.assign(new RoomPayload(), await ctx.services.catalog.roomCreate(ctx, input));
  }

  @Mutation(() => RoomPayload, { description: 'Renames a room or changes its seats (R-YEAR-3). ADMIN or DEPUTY of the school.' })
  async roomUpdate(@Arg('input', () => RoomUpdateInput, inputArg) input: RoomUpdateInput, @GqlCtx() ctx: Ctx): Promise<RoomPayload> {
    return Object.assign(new RoomPayload(), await ctx.services.catalog.roomUpdate(ctx, input));
  }

  @Mutation(() => RoomPayload, { description: 'Archives a room (R-YEAR-3). ADMIN or DEPUTY of the school.' })
  async roomArchive(@Arg('input', () => RoomArchiveInput, inputArg) input: RoomArchiveInput, @GqlCtx() ctx: Ctx): Promise<RoomPayload> {
    return Object.assign(new RoomPayload(), await ctx.services.catalog.roomArchive(ctx, input));
  }
}

@Resolver(() => Staff)
export class StaffResolver {
  @Query(() => StaffConnection, { description: 'Staff of a school, by family name (R-YEAR-3). Every member of the school except analysts.' })
  async staff(
    @Arg('schoolId', () => ID, schoolArg) schoolId: string,
    @Arg('includeArchived', () => Boolean, archivedArg) includeArchived: boolean,
    @Args(() => PageArgs) page: PageArgs,
    @GqlCtx() ctx: Ctx,
  ): Promise<StaffConnection> {
    return ctx.services.catalog.staffList(ctx, schoolId, includeArchived, page.first, page.after);
  }

  @FieldResolver(() => String, { description: 'Family name.' })
  async lastName(@Root() staff: Staff, @GqlCtx() ctx: Ctx): Promise<string> {
    return (await ctx.services.catalog.staffUser(ctx, staff)).lastName;
  }

  @FieldResolver(() => String, { description: 'Given name.' })
  async firstName(@Root() staff: Staff, @GqlCtx() ctx: Ctx): Promise<string> {
    return (await ctx.services.catalog.staffUser(ctx, staff)).firstName;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Patronymic, if any.' })
  async middleName(@Root() staff: Staff, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return (await ctx.services.catalog.staffUser(ctx, staff)).middleName ?? null;
  }

  @FieldResolver(() => String, { description: 'Full name, family name first.' })
  async fullName(@Root() staff: Staff, @GqlCtx() ctx: Ctx): Promise<string> {
    return (await ctx.services.catalog.staffUser(ctx, staff)).fullName;
  }

  @FieldResolver(() => User, { description: 'The account of the staff member. For the administration of the school.' })
  async user(@Root() staff: Staff, @GqlCtx() ctx: Ctx): Promise<User> {
    return ctx.services.catalog.staffUser(ctx, staff);
  }

  @Mutation(() => StaffCreatePayload, { description: 'Creates a staff member with a new account, roles and a one-time password to hand out (R-YEAR-3, R-ROLE-3, R-SEC-10). ADMIN of the school (any staff role), or its DEPUTY (TEACHER accounts only).' })
  async staffCreate(@Arg('input', () => StaffCreateInput, inputArg) input: StaffCreateInput, @GqlCtx() ctx: Ctx): Promise<StaffCreatePayload> {
    return Object.assign(new StaffCreatePayload(), await ctx.services.catalog.staffCreate(ctx, input));
  }

  @Mutation(() => StaffPayload, { description: 'Changes the position or the names of a staff member (R-YEAR-3, R-ROLE-3). ADMIN of the school, or its DEPUTY for staff who hold no role but TEACHER.' })
  async staffUpdate(@Arg('input', () => StaffUpdateInput, inputArg) input: StaffUpdateInput, @GqlCtx() ctx: Ctx): Promise<StaffPayload> {
    return Object.assign(new StaffPayload(), await ctx.services.catalog.staffUpdate(ctx, input));
  }

  @Mutation(() => StaffPayload, { description: 'Archives a staff member who left; history stays (R-YEAR-3, R-ROLE-3). ADMIN of the school, or its DEPUTY for staff who hold no role but TEACHER.' })
  async staffArchive(@Arg('input', () => StaffArchiveInput, inputArg) input: StaffArchiveInput, @GqlCtx() ctx: Ctx): Promise<StaffPayload> {
    return Object.assign(new StaffPayload(), await ctx.services.catalog.staffArchive(ctx, input));
  }
}

@Resolver(() => Curriculum)
export class CurriculumResolver {
  @Query(() => Curriculum, { description: 'The curriculum of a grade level and profile (R-YEAR-5). Every member of the school.' })
  async curriculum(
    @Arg('academicYearId', () => ID, yearArg) academicYearId: string,
    @Arg('grade', () => Int, { description: 'Grade level, 1–11.' }) grade: number,
    @Arg('profile', () => String, { nullable: true, description: 'Profile; omitted = the basic curriculum.' }) profile: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<Curriculum> {
    return ctx.services.catalog.teaching.curriculum(ctx, academicYearId, grade, profile);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() c: Curriculum, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.catalog.teaching.academicYear(ctx, c.academicYearId);
  }

  @Mutation(() => CurriculumSetPayload, { description: 'Replaces the curriculum of a grade level and profile in one step (R-YEAR-5). ADMIN or DEPUTY of the school.' })
  async curriculumSet(@Arg('input', () => CurriculumSetInput, inputArg) input: CurriculumSetInput, @GqlCtx() ctx: Ctx): Promise<CurriculumSetPayload> {
    return Object.assign(new CurriculumSetPayload(), await ctx.services.catalog.teaching.curriculumSet(ctx, input));
  }
}

@Resolver(() => CurriculumItem)
export class CurriculumItemResolver {
  @FieldResolver(() => Subject, { description: 'The subject.' })
  async subject(@Root() item: CurriculumItem, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return ctx.services.catalog.teaching.subject(ctx, item.subject.id);
  }

  @FieldResolver(() => StudyPeriod, { nullable: true, description: 'The study period; null for the whole year.' })
  async period(@Root() item: CurriculumItem, @GqlCtx() ctx: Ctx): Promise<StudyPeriod | null> {
    return ctx.services.catalog.teaching.period(ctx, item.period?.id);
  }
}

@Resolver(() => TeachingAssignment)
export class TeachingAssignmentResolver {
  @Query(() => [TeachingAssignment], { description: 'Teaching assignments of a year, by subject and class/group (R-YEAR-7). The administration sees all; a teacher only their own.' })
  async teachingAssignments(
    @Arg('academicYearId', () => ID, yearArg) academicYearId: string,
    @Arg('classId', () => ID, { nullable: true, description: 'Only those of this class.' }) classId: string | null | undefined,
    @Arg('groupId', () => ID, { nullable: true, description: 'Only those of this study group.' }) groupId: string | null | undefined,
    @Arg('teacherId', () => ID, { nullable: true, description: 'Only those of this teacher (staff member).' }) teacherId: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<TeachingAssignment[]> {
    return ctx.services.catalog.teaching.teachingAssignments(ctx, academicYearId, classId, groupId, teacherId);
  }

  @Query(() => TeacherLoad, { description: 'A teacher\'s load in a year: total weekly hours and a line per subject and class/group (R-YEAR-7). The teacher themself, ADMIN, DEPUTY and DIRECTOR; others NOT_FOUND.' })
  async teacherLoad(
    @Arg('staffId', () => ID, { description: 'Global ID of the staff member.' }) staffId: string,
    @Arg('academicYearId', () => ID, yearArg) academicYearId: string,
    @Arg('periodId', () => ID, { nullable: true, description: 'Only the load in this study period (whole-year assignments included).' }) periodId: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<TeacherLoad> {
    return ctx.services.catalog.teaching.teacherLoad(ctx, staffId, academicYearId, periodId);
  }

  @FieldResolver(() => Staff, { description: 'The teacher.' })
  async teacher(@Root() a: TeachingAssignment, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return ctx.services.catalog.teaching.staff(ctx, a.teacher.id);
  }

  @FieldResolver(() => Subject, { description: 'The subject.' })
  async subject(@Root() a: TeachingAssignment, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return ctx.services.catalog.teaching.subject(ctx, a.subject.id);
  }

  @FieldResolver(() => SchoolClass, { nullable: true, description: 'The class; null when the assignment is for a study group.' })
  async schoolClass(@Root() a: TeachingAssignment, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.catalog.teaching.schoolClass(ctx, a.schoolClass?.id);
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group; null when the assignment is for a class.' })
  async group(@Root() a: TeachingAssignment, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return ctx.services.catalog.teaching.group(ctx, a.group?.id);
  }

  @FieldResolver(() => String, { description: 'Name of the class or study group, e.g. "5А".' })
  async targetName(@Root() a: TeachingAssignment, @GqlCtx() ctx: Ctx): Promise<string> {
    return ctx.services.catalog.teaching.targetName(ctx, a);
  }

  @FieldResolver(() => StudyPeriod, { nullable: true, description: 'The study period; null for the whole year.' })
  async period(@Root() a: TeachingAssignment, @GqlCtx() ctx: Ctx): Promise<StudyPeriod | null> {
    return ctx.services.catalog.teaching.period(ctx, a.period?.id);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() a: TeachingAssignment, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.catalog.teaching.academicYear(ctx, a.academicYear.id);
  }

  @Mutation(() => TeachingAssignmentPayload, { description: 'Assigns a teacher to teach a subject to a class or group (R-YEAR-7). ADMIN or DEPUTY of the school.' })
  async teachingAssignmentCreate(@Arg('input', () => TeachingAssignmentCreateInput, inputArg) input: TeachingAssignmentCreateInput, @GqlCtx() ctx: Ctx): Promise<TeachingAssignmentPayload> {
    return Object.assign(new TeachingAssignmentPayload(), await ctx.services.catalog.teaching.teachingAssignmentCreate(ctx, input));
  }

  @Mutation(() => TeachingAssignmentPayload, { description: 'Changes the teacher, hours or period of a teaching assignment (R-YEAR-7). ADMIN or DEPUTY of the school.' })
  async teachingAssignmentUpdate(@Arg('input', () => TeachingAssignmentUpdateInput, inputArg) input: TeachingAssignmentUpdateInput, @GqlCtx() ctx: Ctx): Promise<TeachingAssignmentPayload> {
    return Object.assign(new TeachingAssignmentPayload(), await ctx.services.catalog.teaching.teachingAssignmentUpdate(ctx, input));
  }

  @Mutation(() => TeachingAssignmentDeletePayload, { description: 'Deletes a teaching assignment (R-YEAR-7). ADMIN or DEPUTY of the school.' })
  async teachingAssignmentDelete(@Arg('input', () => TeachingAssignmentDeleteInput, inputArg) input: TeachingAssignmentDeleteInput, @GqlCtx() ctx: Ctx): Promise<TeachingAssignmentDeletePayload> {
    return Object.assign(new TeachingAssignmentDeletePayload(), await ctx.services.catalog.teaching.teachingAssignmentDelete(ctx, input));
  }
}

@Resolver(() => TeacherLoad)
export class TeacherLoadResolver {
  @FieldResolver(() => Staff, { description: 'The teacher.' })
  async teacher(@Root() load: TeacherLoad, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return ctx.services.catalog.teaching.staff(ctx, load.staffId);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() load: TeacherLoad, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.catalog.teaching.academicYear(ctx, load.academicYearId);
  }
}

@Resolver(() => TeacherLoadLine)
export class TeacherLoadLineResolver {
  @FieldResolver(() => Subject, { description: 'The subject.' })
  async subject(@Root() line: TeacherLoadLine, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return ctx.services.catalog.teaching.subject(ctx, line.subjectId);
  }

  @FieldResolver(() => String, { description: 'Name of the class or study group.' })
  async targetName(@Root() line: TeacherLoadLine, @GqlCtx() ctx: Ctx): Promise<string> {
    return ctx.services.catalog.teaching.targetName(ctx, {
      schoolClass: line.schoolClassId ? { id: line.schoolClassId } : null, group: line.groupId ? { id: line.groupId } : null,
    });
  }

  @FieldResolver(() => SchoolClass, { nullable: true, description: 'The class; null for a study group.' })
  async schoolClass(@Root() line: TeacherLoadLine, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.catalog.teaching.schoolClass(ctx, line.schoolClassId);
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group; null for a class.' })
  async group(@Root() line: TeacherLoadLine, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return ctx.services.catalog.teaching.group(ctx, line.groupId);
  }
}

@Resolver(() => ThematicPlan)
export class ThematicPlanResolver {
  @Query(() => ThematicPlan, { nullable: true, description: 'The thematic plan of a subject for a class or group, topics in order; null when there is none yet (R-YEAR-8). ADMIN, DEPUTY, DIRECTOR and the teacher assigned; others NOT_FOUND.' })
  async thematicPlan(
    @Arg('academicYearId', () => ID, yearArg) academicYearId: string,
    @Arg('subjectId', () => ID, { description: 'Global ID of the subject.' }) subjectId: string,
    @Arg('classId', () => ID, classArg) classId: string | null | undefined,
    @Arg('groupId', () => ID, groupArg) groupId: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<ThematicPlan | null> {
    return ctx.services.catalog.teaching.thematicPlan(ctx, academicYearId, subjectId, classId, groupId);
  }

  @FieldResolver(() => [PlannedTopic], { description: 'The topics, in plan order.' })
  async topics(@Root() plan: ThematicPlan, @GqlCtx() ctx: Ctx): Promise<PlannedTopic[]> {
    return ctx.services.catalog.teaching.topics(ctx, plan);
  }

  @FieldResolver(() => Int, { description: 'Sum of the hours of all topics.' })
  async totalHours(@Root() plan: ThematicPlan, @GqlCtx() ctx: Ctx): Promise<number> {
    return (await ctx.services.catalog.teaching.topics(ctx, plan)).reduce((a, t) => a + t.hours, 0);
  }

  @FieldResolver(() => Subject, { description: 'The subject.' })
  async subject(@Root() plan: ThematicPlan, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return ctx.services.catalog.teaching.subject(ctx, plan.subject.id);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() plan: ThematicPlan, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.catalog.teaching.academicYear(ctx, plan.academicYear.id);
  }

  @FieldResolver(() => SchoolClass, { nullable: true, description: 'The class; null for a study group.' })
  async schoolClass(@Root() plan: ThematicPlan, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.catalog.teaching.schoolClass(ctx, plan.schoolClass?.id);
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group; null for a class.' })
  async group(@Root() plan: ThematicPlan, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return ctx.services.catalog.teaching.group(ctx, plan.group?.id);
  }

  @FieldResolver(() => String, { description: 'Name of the class or study group.' })
  async targetName(@Root() plan: ThematicPlan, @GqlCtx() ctx: Ctx): Promise<string> {
    return ctx.services.catalog.teaching.targetName(ctx, plan);
  }

  @Mutation(() => ThematicPlanPayload, { description: 'Replaces the topics of a thematic plan, creating the plan when needed (R-YEAR-8). ADMIN, DEPUTY or the teacher assigned to the subject and class/group.' })
  async thematicPlanReplace(@Arg('input', () => ThematicPlanReplaceInput, inputArg) input: ThematicPlanReplaceInput, @GqlCtx() ctx: Ctx): Promise<ThematicPlanPayload> {
    return Object.assign(new ThematicPlanPayload(), await ctx.services.catalog.teaching.thematicPlanReplace(ctx, input));
  }

  @Mutation(() => ThematicPlanPayload, { description: 'Puts the topics of a thematic plan in a new order (R-YEAR-8). ADMIN, DEPUTY or the teacher assigned.' })
  async plannedTopicsReorder(@Arg('input', () => PlannedTopicsReorderInput, inputArg) input: PlannedTopicsReorderInput, @GqlCtx() ctx: Ctx): Promise<ThematicPlanPayload> {
    return Object.assign(new ThematicPlanPayload(), await ctx.services.catalog.teaching.plannedTopicsReorder(ctx, input));
  }
}

/** Subjects, rooms, staff, curriculum, teaching load and thematic plans (R-YEAR-3, 5, 7, 8). */
export const catalogResolvers: Function[] = [
  SubjectResolver, RoomResolver, StaffResolver, CurriculumResolver, CurriculumItemResolver, TeachingAssignmentResolver,
  TeacherLoadResolver, TeacherLoadLineResolver, ThematicPlanResolver,
];
