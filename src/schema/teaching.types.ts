import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { TeachingAssignment } from '../entities/teaching-assignment.entity';
import { CurriculumItem, ThematicPlan } from '../entities/curriculum.entity';

// ---- curriculum (R-YEAR-5) ----

@ObjectType({ description: 'The curriculum of one grade level and profile in an academic year (R-YEAR-5).' })
export class Curriculum {
  academicYearId!: string;

  @Field(() => Int, { description: 'Grade level, 1–11.' })
  grade!: number;

  @Field(() => String, { nullable: true, description: 'Profile; null for the basic curriculum.' })
  profile?: string | null;

  @Field(() => [CurriculumItem], { description: 'The subjects with weekly hours, by subject name.' })
  items!: CurriculumItem[];

  @Field(() => Float, { description: 'Sum of the weekly hours of the whole-year items.' })
  totalHoursPerWeek!: number;
}

@InputType({ description: 'One subject of `curriculumSet`.' })
export class CurriculumItemInput {
  @Field(() => ID, { description: 'The subject (not archived).' })
  subjectId!: string;

  @Field(() => Float, { description: 'Hours per week, more than 0 and at most 99, in steps of 0.5 or 0.1.' })
  hoursPerWeek!: number;

  @Field(() => ID, { nullable: true, description: 'Only in this study period (of the year and the grade); omitted = the whole year.' })
  periodId?: string | null;
}

@InputType({ description: 'Input of `curriculumSet`.' })
export class CurriculumSetInput {
  @Field(() => ID, { description: 'The academic year.' })
  academicYearId!: string;

  @Field(() => Int, { description: 'Grade level, 1–11.' })
  grade!: number;

  @Field(() => String, { nullable: true, description: 'Profile (e.g. "технологический"); omitted or empty = the basic curriculum.' })
  profile?: string | null;

  @Field(() => [CurriculumItemInput], { description: 'The complete new list; it replaces the old one. Each subject once per period.' })
  items!: CurriculumItemInput[];
}

@ObjectType({ description: 'Result of `curriculumSet`.' })
export class CurriculumSetPayload extends Payload {
  @Field(() => Curriculum, { nullable: true, description: 'The curriculum as stored; null when nothing was changed.' })
  curriculum?: Curriculum | null;
}

// ---- teaching load (R-YEAR-7) ----

@InputType({ description: 'Input of `teachingAssignmentCreate`.' })
export class TeachingAssignmentCreateInput {
  @Field(() => ID, { description: 'The teacher (a staff member, not archived).' })
  teacherId!: string;

  @Field(() => ID, { description: 'The subject (not archived).' })
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'The class; give exactly one of classId and groupId.' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The study group; give exactly one of classId and groupId.' })
  groupId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only in this study period of the class\'s year; omitted = the whole year.' })
  periodId?: string | null;

  @Field(() => Float, { description: 'Hours per week, more than 0 and at most 99.' })
  hoursPerWeek!: number;
}

@InputType({ description: 'Input of `teachingAssignmentUpdate`.' })
export class TeachingAssignmentUpdateInput {
  @Field(() => ID, { description: 'The teaching assignment.' })
  teachingAssignmentId!: string;

  @Field(() => ID, { nullable: true, description: 'Another teacher; omitted = unchanged.' })
  teacherId?: string | null;

  @Field(() => Float, { nullable: true, description: 'New hours per week; omitted = unchanged.' })
  hoursPerWeek?: number | null;

  @Field(() => ID, { nullable: true, description: 'New study period; omitted = unchanged, null = the whole year.' })
  periodId?: string | null;
}

@InputType({ description: 'Input of `teachingAssignmentDelete`.' })
export class TeachingAssignmentDeleteInput {
  @Field(() => ID, { description: 'The teaching assignment.' })
  teachingAssignmentId!: string;
}

@ObjectType({ description: 'Result of `teachingAssignmentCreate` and `teachingAssignmentUpdate`.' })
export class TeachingAssignmentPayload extends Payload {
  @Field(() => TeachingAssignment, { nullable: true, description: 'The assignment; null when nothing was changed.' })
  teachingAssignment?: TeachingAssignment | null;
}

@ObjectType({ description: 'Result of `teachingAssignmentDelete`.' })
export class TeachingAssignmentDeletePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'ID of the deleted assignment; null when nothing was deleted.' })
  deletedTeachingAssignmentId?: string | null;
}

@ObjectType({ description: 'Weekly hours of one teacher for one subject and class/group (R-YEAR-7).' })
export class TeacherLoadLine {
  subjectId!: string;
  schoolClassId!: string | null;
  groupId!: string | null;

  @Field(() => Float, { description: 'Hours per week (whole-year and period assignments added up).' })
  hoursPerWeek!: number;

  @Field(() => [TeachingAssignment], { description: 'The assignments behind this line.' })
  assignments!: TeachingAssignment[];
}

@ObjectType({ description: 'A teacher\'s teaching load in an academic year (R-YEAR-7).' })
export class TeacherLoad {
  staffId!: string;
  academicYearId!: string;

  @Field(() => Float, { description: 'Total hours per week of all lines.' })
  totalHoursPerWeek!: number;

  @Field(() => [TeacherLoadLine], { description: 'One line per subject and class/group, by subject name and class/group name.' })
  lines!: TeacherLoadLine[];
}

// ---- thematic plans (R-YEAR-8) ----

@InputType({ description: 'One topic of `thematicPlanReplace`, in plan order.' })
export class PlannedTopicInput {
  @Field(() => String, { description: 'Topic title, 1–500 characters.' })
  title!: string;

  @Field(() => Int, { description: 'Lesson hours, 1–100.' })
  hours!: number;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Planned date, inside the academic year.' })
  plannedDate?: string | null;
}

@InputType({ description: 'Input of `thematicPlanReplace`.' })
export class ThematicPlanReplaceInput {
  @Field(() => ID, { description: 'The academic year.' })
  academicYearId!: string;

  @Field(() => ID, { description: 'The subject.' })
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'The class; give exactly one of classId and groupId.' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The study group; give exactly one of classId and groupId.' })
  groupId?: string | null;

  @Field(() => [PlannedTopicInput], { description: 'The complete list of topics in order (at most 500), e.g. pasted from a table; it replaces the old one. Topics keep their IDs by position.' })
  topics!: PlannedTopicInput[];
}

@InputType({ description: 'Input of `plannedTopicsReorder`.' })
export class PlannedTopicsReorderInput {
  @Field(() => ID, { description: 'The thematic plan.' })
  planId!: string;

  @Field(() => [ID], { description: 'Every topic of the plan, each once, in the new order.' })
  topicIds!: string[];
}

@ObjectType({ description: 'Result of `thematicPlanReplace` and `plannedTopicsReorder`.' })
export class ThematicPlanPayload extends Payload {
  @Field(() => ThematicPlan, { nullable: true, description: 'The plan as stored; null when nothing was changed.' })
  thematicPlan?: ThematicPlan | null;
}
