import { Arg, Ctx as GqlCtx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import type { Ctx } from '../context';
import { AcademicYear } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Subject } from '../entities/subject.entity';
import { ClassMembership, Student } from '../entities/student.entity';
import { GroupMembership, StudyGroup } from '../entities/study-group.entity';
import { IndividualPlan, IndividualPlanSubject } from '../entities/individual-plan.entity';
import {
  GroupMemberAddInput, GroupMemberAddPayload, GroupMemberRemoveInput, GroupMemberRemovePayload, IndividualPlanRemoveInput,
  IndividualPlanRemovePayload, IndividualPlanSetInput, IndividualPlanSetPayload, StudyGroupArchiveInput, StudyGroupArchivePayload,
  StudyGroupCreateInput, StudyGroupCreatePayload, StudyGroupUpdateInput, StudyGroupUpdatePayload,
} from '../schema/group.types';
import {
  StudentEnrolInput, StudentEnrolPayload, StudentLeaveInput, StudentLeavePayload, StudentTransferInput, StudentTransferPayload,
} from '../schema/movement.types';

const inputArg = { description: 'The input of the action.' } as const;
const onDateArg = { description: 'The day: memberships from on or before it and not ended before it.' } as const;

@Resolver(() => StudyGroup)
export class StudyGroupResolver {
  @Query(() => [StudyGroup], { description: 'Study groups of an academic year by name (R-YEAR-4); with `classId`, the subgroups of that class and the streams it is in.' })
  async studyGroups(
    @Arg('academicYearId', () => ID, { description: 'Global ID of the academic year.' }) academicYearId: string,
    @Arg('classId', () => ID, { nullable: true, description: 'Only groups of this class (its subgroups and streams).' }) classId: string | null | undefined,
    @Arg('includeArchived', () => Boolean, { defaultValue: false, description: 'Include archived groups.' }) includeArchived: boolean,
    @GqlCtx() ctx: Ctx,
  ): Promise<StudyGroup[]> {
    return ctx.services.groups.studyGroups(ctx, academicYearId, classId, includeArchived);
  }

  @Query(() => StudyGroup, { description: 'A study group of one of the viewer\'s schools (else NOT_FOUND).' })
  async studyGroup(@Arg('id', () => ID, { description: 'Global ID of the study group.' }) id: string, @GqlCtx() ctx: Ctx): Promise<StudyGroup> {
    return ctx.services.groups.studyGroup(ctx, id);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() group: StudyGroup, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.year.academicYearOf(ctx, group.academicYear.id);
  }

  @FieldResolver(() => Subject, { nullable: true, description: 'The subject (always set for a SUBGROUP).' })
  async subject(@Root() group: StudyGroup, @GqlCtx() ctx: Ctx): Promise<Subject | null> {
    return ctx.services.groups.subjectOf(ctx, group.subject?.id);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class a SUBGROUP divides; null for other kinds.' })
  async schoolClass(@Root() group: StudyGroup, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.groups.schoolClassOf(ctx, group.schoolClass?.id);
  }

  @FieldResolver(() => [SchoolClass], { description: 'The classes of the group: those a STREAM joins, a SUBGROUP\'s class, none for other kinds.' })
  async classes(@Root() group: StudyGroup, @GqlCtx() ctx: Ctx): Promise<SchoolClass[]> {
    return ctx.services.groups.groupClasses(ctx, group);
  }

  @FieldResolver(() => [GroupMembership], { description: 'Members on a day, by pseudonym: only the students the viewer takes part in educating (R-SEC-3).' })
  async members(
    @Root() group: StudyGroup,
    @Arg('onDate', () => LocalDateResolver, onDateArg) onDate: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<GroupMembership[]> {
    return ctx.services.groups.groupMembers(ctx, group, onDate);
  }

  @Mutation(() => StudyGroupCreatePayload, { description: 'Creates a subgroup, a cross-class group or a stream (R-YEAR-4). ADMIN or DEPUTY of the school.' })
  async studyGroupCreate(@Arg('input', () => StudyGroupCreateInput, inputArg) input: StudyGroupCreateInput, @GqlCtx() ctx: Ctx): Promise<StudyGroupCreatePayload> {
    return Object.assign(new StudyGroupCreatePayload(), await ctx.services.groups.studyGroupCreate(ctx, input));
  }

  @Mutation(() => StudyGroupUpdatePayload, { description: 'Renames a group, changes its subject or a stream\'s classes (R-YEAR-4). ADMIN or DEPUTY of the school.' })
  async studyGroupUpdate(@Arg('input', () => StudyGroupUpdateInput, inputArg) input: StudyGroupUpdateInput, @GqlCtx() ctx: Ctx): Promise<StudyGroupUpdatePayload> {
    return Object.assign(new StudyGroupUpdatePayload(), await ctx.services.groups.studyGroupUpdate(ctx, input));
  }

  @Mutation(() => StudyGroupArchivePayload, { description: 'Archives a group; its history stays (R-YEAR-4). ADMIN or DEPUTY of the school.' })
  async studyGroupArchive(@Arg('input', () => StudyGroupArchiveInput, inputArg) input: StudyGroupArchiveInput, @GqlCtx() ctx: Ctx): Promise<StudyGroupArchivePayload> {
    return Object.assign(new StudyGroupArchivePayload(), await ctx.services.groups.studyGroupArchive(ctx, input));
  }
}

@Resolver(() => GroupMembership)
export class GroupMembershipResolver {
  @FieldResolver(() => StudyGroup, { description: 'The group.' })
  async group(@Root() m: GroupMembership, @GqlCtx() ctx: Ctx): Promise<StudyGroup> {
    return ctx.services.groups.studyGroupOf(ctx, m.group.id);
  }

  @FieldResolver(() => Student, { description: 'The student.' })
  async student(@Root() m: GroupMembership, @GqlCtx() ctx: Ctx): Promise<Student> {
    return ctx.services.groups.studentOf(ctx, m.student.id);
  }

  @Mutation(() => GroupMemberAddPayload, { description: 'Adds a student to a group from a date; one subgroup per subject at a time (R-YEAR-4). ADMIN or DEPUTY of the school; for a subgroup also the class teacher of its class and the teacher of its subject there (R-ROLE-5).' })
  async groupMemberAdd(@Arg('input', () => GroupMemberAddInput, inputArg) input: GroupMemberAddInput, @GqlCtx() ctx: Ctx): Promise<GroupMemberAddPayload> {
    return Object.assign(new GroupMemberAddPayload(), await ctx.services.groups.groupMemberAdd(ctx, input));
  }

  @Mutation(() => GroupMemberRemovePayload, { description: 'Ends a student\'s membership of a group on a date; history stays (R-YEAR-4). ADMIN or DEPUTY of the school; for a subgroup also the class teacher of its class and the teacher of its subject there (R-ROLE-5).' })
  async groupMemberRemove(@Arg('input', () => GroupMemberRemoveInput, inputArg) input: GroupMemberRemoveInput, @GqlCtx() ctx: Ctx): Promise<GroupMemberRemovePayload> {
    return Object.assign(new GroupMemberRemovePayload(), await ctx.services.groups.groupMemberRemove(ctx, input));
  }
}

@Resolver(() => ClassMembership)
export class ClassMembershipResolver {
  @Query(() => [ClassMembership], { description: 'Who was in a class on a day, by pseudonym (R-YEAR-11): a transferred student is in the old class before the transfer date and in the new one from it. Only the students the viewer takes part in educating (R-SEC-3).' })
  async classMembers(
    @Arg('classId', () => ID, { description: 'Global ID of the class.' }) classId: string,
    @Arg('onDate', () => LocalDateResolver, onDateArg) onDate: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<ClassMembership[]> {
    return ctx.services.groups.classMembers(ctx, classId, onDate);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', description: 'The class.' })
  async schoolClass(@Root() m: ClassMembership, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.groups.schoolClassOf(ctx, m.schoolClass.id);
  }

  @FieldResolver(() => Student, { description: 'The student.' })
  async student(@Root() m: ClassMembership, @GqlCtx() ctx: Ctx): Promise<Student> {
    return ctx.services.groups.studentOf(ctx, m.student.id);
  }

  @Mutation(() => StudentEnrolPayload, { description: 'Puts a student who is in no class into a class from a date (R-YEAR-11). ADMIN or DEPUTY of the school.' })
  async studentEnrol(@Arg('input', () => StudentEnrolInput, inputArg) input: StudentEnrolInput, @GqlCtx() ctx: Ctx): Promise<StudentEnrolPayload> {
    return Object.assign(new StudentEnrolPayload(), await ctx.services.groups.studentEnrol(ctx, input));
  }

  @Mutation(() => StudentTransferPayload, { description: 'Moves a student to another class from a date; the old class keeps the history, groups of the old class end the day before (R-YEAR-11). ADMIN or DEPUTY of the school.' })
  async studentTransfer(@Arg('input', () => StudentTransferInput, inputArg) input: StudentTransferInput, @GqlCtx() ctx: Ctx): Promise<StudentTransferPayload> {
    return Object.assign(new StudentTransferPayload(), await ctx.services.groups.studentTransfer(ctx, input));
  }

  @Mutation(() => StudentLeavePayload, { description: 'Records that a student leaves the school; memberships end and the diary service ends for the student and for guardians without another enrolled child (R-YEAR-11, R-SEC-8). ADMIN or DEPUTY of the school.' })
  async studentLeave(@Arg('input', () => StudentLeaveInput, inputArg) input: StudentLeaveInput, @GqlCtx() ctx: Ctx): Promise<StudentLeavePayload> {
    return Object.assign(new StudentLeavePayload(), await ctx.services.groups.studentLeave(ctx, input));
  }
}

@Resolver(() => IndividualPlan)
export class IndividualPlanResolver {
  @Query(() => IndividualPlan, { nullable: true, description: 'A student\'s individual plan for an academic year (R-YEAR-4, R-YEAR-5); null when none. NOT_FOUND for a student the viewer takes no part in educating.' })
  async individualPlan(
    @Arg('studentId', () => ID, { description: 'Global ID of the student.' }) studentId: string,
    @Arg('academicYearId', () => ID, { description: 'Global ID of the academic year.' }) academicYearId: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<IndividualPlan | null> {
    return ctx.services.groups.individualPlan(ctx, studentId, academicYearId);
  }

  @FieldResolver(() => Student, { description: 'The student.' })
  async student(@Root() plan: IndividualPlan, @GqlCtx() ctx: Ctx): Promise<Student> {
    return ctx.services.groups.studentOf(ctx, plan.student.id);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() plan: IndividualPlan, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.year.academicYearOf(ctx, plan.academicYear.id);
  }

  @FieldResolver(() => [IndividualPlanSubject], { description: 'The subjects with weekly hours, by subject name.' })
  async subjects(@Root() plan: IndividualPlan, @GqlCtx() ctx: Ctx): Promise<IndividualPlanSubject[]> {
    return ctx.services.groups.individualPlanSubjects(ctx, plan);
  }

  @Mutation(() => IndividualPlanSetPayload, { description: 'Sets a student\'s individual plan for a year, replacing the previous one (R-YEAR-4, R-YEAR-5). ADMIN or DEPUTY of the school.' })
  async individualPlanSet(@Arg('input', () => IndividualPlanSetInput, inputArg) input: IndividualPlanSetInput, @GqlCtx() ctx: Ctx): Promise<IndividualPlanSetPayload> {
    return Object.assign(new IndividualPlanSetPayload(), await ctx.services.groups.individualPlanSet(ctx, input));
  }

  @Mutation(() => IndividualPlanRemovePayload, { description: 'Removes a student\'s individual plan for a year (R-YEAR-4, R-YEAR-5). ADMIN or DEPUTY of the school.' })
  async individualPlanRemove(@Arg('input', () => IndividualPlanRemoveInput, inputArg) input: IndividualPlanRemoveInput, @GqlCtx() ctx: Ctx): Promise<IndividualPlanRemovePayload> {
    return Object.assign(new IndividualPlanRemovePayload(), await ctx.services.groups.individualPlanRemove(ctx, input));
  }
}

@Resolver(() => IndividualPlanSubject)
export class IndividualPlanSubjectResolver {
  @FieldResolver(() => Subject, { description: 'The subject.' })
  async subject(@Root() s: IndividualPlanSubject, @GqlCtx() ctx: Ctx): Promise<Subject | null> {
    return ctx.services.groups.subjectOf(ctx, s.subject.id);
  }
}

/** Resolvers of groups, individual plans and student movement. */
export const groupResolvers: Function[] = [
  StudyGroupResolver, GroupMembershipResolver, ClassMembershipResolver, IndividualPlanResolver, IndividualPlanSubjectResolver,
];
