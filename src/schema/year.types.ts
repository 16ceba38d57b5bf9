import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { School } from '../entities/school.entity';
import { AcademicYear, Holiday, StudyPeriod, StudyPeriodKind } from '../entities/academic-year.entity';
import { GradingSystem, GradingSystemKind } from '../entities/grading-system.entity';

// Update inputs: an omitted (or null) field keeps its value, unless the field says otherwise.

@InputType({ description: 'Input of `schoolUpdate`.' })
export class SchoolUpdateInput {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => String, { nullable: true, description: 'New full name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New IANA time zone, e.g. "Europe/Moscow"; omitted = unchanged.' })
  timeZone?: string | null;
}

@ObjectType({ description: 'Result of `schoolUpdate`.' })
export class SchoolUpdatePayload extends Payload {
  @Field(() => School, { nullable: true, description: 'The updated school; null when nothing was changed.' })
  school?: School | null;
}

@InputType({ description: 'Input of `academicYearCreate`.' })
export class AcademicYearCreateInput {
  @Field(() => ID, { description: 'The school the year belongs to.' })
  schoolId!: string;

  @Field(() => String, { description: 'Name, unique within the school, e.g. "2025/2026".' })
  name!: string;

  @Field(() => LocalDateResolver, { description: 'First day (inclusive).' })
  startDate!: string;

  @Field(() => LocalDateResolver, { description: 'Last day (inclusive); the years of a school do not overlap.' })
  endDate!: string;
}

@ObjectType({ description: 'Result of `academicYearCreate`.' })
export class AcademicYearCreatePayload extends Payload {
  @Field(() => AcademicYear, { nullable: true, description: 'The created year; null when nothing was created.' })
  academicYear?: AcademicYear | null;
}

@InputType({ description: 'Input of `academicYearUpdate`.' })
export class AcademicYearUpdateInput {
  @Field(() => ID, { description: 'The academic year.' })
  academicYearId!: string;

  @Field(() => String, { nullable: true, description: 'New name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New first day; omitted = unchanged. Its periods and holidays must stay inside the year.' })
  startDate?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New last day; omitted = unchanged. Its periods and holidays must stay inside the year.' })
  endDate?: string | null;
}

@ObjectType({ description: 'Result of `academicYearUpdate`.' })
export class AcademicYearUpdatePayload extends Payload {
  @Field(() => AcademicYear, { nullable: true, description: 'The updated year; null when nothing was changed.' })
  academicYear?: AcademicYear | null;
}

@InputType({ description: 'Input of `academicYearDelete`.' })
export class AcademicYearDeleteInput {
  @Field(() => ID, { description: 'The academic year; it must have no study periods and no holidays.' })
  academicYearId!: string;
}

@ObjectType({ description: 'Result of `academicYearDelete`.' })
export class AcademicYearDeletePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'ID of the deleted year; null when nothing was deleted.' })
  deletedAcademicYearId?: string | null;

  @Field(() => School, { nullable: true, description: 'The school the year belonged to.' })
  school?: School | null;
}

@InputType({ description: 'Input of `studyPeriodCreate`.' })
export class StudyPeriodCreateInput {
  @Field(() => ID, { description: 'The academic year the period lies in.' })
  academicYearId!: string;

  @Field(() => String, { description: 'Name, e.g. "1 четверть".' })
  name!: string;

  @Field(() => StudyPeriodKind, { description: 'Kind of period.' })
  kind!: StudyPeriodKind;

  @Field(() => [Int], { description: 'Grade levels (1–11), at least one, each once; stored ascending.' })
  grades!: number[];

  @Field(() => LocalDateResolver, { description: 'First day (inclusive), inside the academic year.' })
  startDate!: string;

  @Field(() => LocalDateResolver, { description: 'Last day (inclusive), inside the academic year.' })
  endDate!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Last day to set final marks, within the period; omitted = two days before the end (R-JOUR-8), or the first day for a shorter period.' })
  finalMarkDeadline?: string | null;
}

@ObjectType({ description: 'Result of `studyPeriodCreate`.' })
export class StudyPeriodCreatePayload extends Payload {
  @Field(() => StudyPeriod, { nullable: true, description: 'The created period; null when nothing was created.' })
  studyPeriod?: StudyPeriod | null;
}

@InputType({ description: 'Input of `studyPeriodUpdate`.' })
export class StudyPeriodUpdateInput {
  @Field(() => ID, { description: 'The study period.' })
  studyPeriodId!: string;

  @Field(() => String, { nullable: true, description: 'New name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => StudyPeriodKind, { nullable: true, description: 'New kind; omitted = unchanged.' })
  kind?: StudyPeriodKind | null;

  @Field(() => [Int], { nullable: true, description: 'New grade levels (1–11); omitted = unchanged.' })
  grades?: number[] | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New first day; omitted = unchanged.' })
  startDate?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New last day; omitted = unchanged.' })
  endDate?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New deadline for final marks. Omitted: a default deadline follows a new end date, a custom one is kept (and must still lie within the period). Null: reset to the default.' })
  finalMarkDeadline?: string | null;
}

@ObjectType({ description: 'Result of `studyPeriodUpdate`.' })
export class StudyPeriodUpdatePayload extends Payload {
  @Field(() => StudyPeriod, { nullable: true, description: 'The updated period; null when nothing was changed.' })
  studyPeriod?: StudyPeriod | null;
}

@InputType({ description: 'Input of `studyPeriodDelete`.' })
export class StudyPeriodDeleteInput {
  @Field(() => ID, { description: 'The study period.' })
  studyPeriodId!: string;
}

@ObjectType({ description: 'Result of `studyPeriodDelete`.' })
export class StudyPeriodDeletePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'ID of the deleted period; null when nothing was deleted.' })
  deletedStudyPeriodId?: string | null;

  @Field(() => AcademicYear, { nullable: true, description: 'The academic year the period belonged to.' })
  academicYear?: AcademicYear | null;
}

@InputType({ description: 'Input of `holidayCreate`.' })
export class HolidayCreateInput {
  @Field(() => ID, { description: 'The academic year the holiday lies in.' })
  academicYearId!: string;

  @Field(() => String, { description: 'Name, e.g. "Осенние каникулы".' })
  name!: string;

  @Field(() => LocalDateResolver, { description: 'First day (inclusive), inside the academic year.' })
  startDate!: string;

  @Field(() => LocalDateResolver, { description: 'Last day (inclusive), inside the academic year.' })
  endDate!: string;

  @Field(() => [Int], { nullable: true, description: 'Grade levels (1–11) it applies to; omitted or null = the whole school.' })
  grades?: number[] | null;
}

@ObjectType({ description: 'Result of `holidayCreate`.' })
export class HolidayCreatePayload extends Payload {
  @Field(() => Holiday, { nullable: true, description: 'The created holiday; null when nothing was created.' })
  holiday?: Holiday | null;
}

@InputType({ description: 'Input of `holidayUpdate`.' })
export class HolidayUpdateInput {
  @Field(() => ID, { description: 'The holiday.' })
  holidayId!: string;

  @Field(() => String, { nullable: true, description: 'New name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New first day; omitted = unchanged.' })
  startDate?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'New last day; omitted = unchanged.' })
  endDate?: string | null;

  @Field(() => [Int], { nullable: true, description: 'New grade levels; omitted = unchanged, null = the whole school.' })
  grades?: number[] | null;
}

@ObjectType({ description: 'Result of `holidayUpdate`.' })
export class HolidayUpdatePayload extends Payload {
  @Field(() => Holiday, { nullable: true, description: 'The updated holiday; null when nothing was changed.' })
  holiday?: Holiday | null;
}

@InputType({ description: 'Input of `holidayDelete`.' })
export class HolidayDeleteInput {
  @Field(() => ID, { description: 'The holiday.' })
  holidayId!: string;
}

@ObjectType({ description: 'Result of `holidayDelete`.' })
export class HolidayDeletePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'ID of the deleted holiday; null when nothing was deleted.' })
  deletedHolidayId?: string | null;

  @Field(() => AcademicYear, { nullable: true, description: 'The academic year the holiday belonged to.' })
  academicYear?: AcademicYear | null;
}

@InputType({ description: 'One value of a grading system.' })
export class GradingValueInput {
  @Field(() => String, { description: 'The value as written in the journal, unique within the system, e.g. "5", "зач", "осв". Values are matched by it on update.' })
  code!: string;

  @Field(() => String, { description: 'Long label, e.g. "отлично".' })
  label!: string;

  @Field(() => Float, { nullable: true, description: 'Numeric value for averages; null for non-numeric values.' })
  numericValue?: number | null;

  @Field(() => Boolean, { description: 'Counts as a satisfactory result (R-REP-1).' })
  passing!: boolean;

  @Field(() => Boolean, { defaultValue: false, description: 'Only allowed as a final mark; required for «осв» and «н/а».' })
  finalOnly?: boolean | null;

  @Field(() => Boolean, { defaultValue: false, description: 'Counts as a "quality" result (e.g. 4 and 5 of five points) in the progress reports; only a passing value usable for current marks.' })
  quality?: boolean | null;
}

@InputType({ description: 'Input of `gradingSystemCreate`.' })
export class GradingSystemCreateInput {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => String, { description: 'Name, unique within the school.' })
  name!: string;

  @Field(() => GradingSystemKind, { description: 'Family of the system.' })
  kind!: GradingSystemKind;

  @Field(() => [GradingValueInput], { description: 'The values in display order; at least one not final-only.' })
  values!: GradingValueInput[];
}

@ObjectType({ description: 'Result of `gradingSystemCreate`.' })
export class GradingSystemCreatePayload extends Payload {
  @Field(() => GradingSystem, { nullable: true, description: 'The created system; null when nothing was created.' })
  gradingSystem?: GradingSystem | null;
}

@InputType({ description: 'Input of `gradingSystemUpdate`.' })
export class GradingSystemUpdateInput {
  @Field(() => ID, { description: 'The grading system.' })
  gradingSystemId!: string;

  @Field(() => String, { nullable: true, description: 'New name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => GradingSystemKind, { nullable: true, description: 'New family; omitted = unchanged.' })
  kind?: GradingSystemKind | null;

  @Field(() => [GradingValueInput], { nullable: true, description: 'The complete new value list, matched by code: existing codes are updated, new ones added, missing ones removed (refused with VALUE_IN_USE while marks use them). Omitted = unchanged.' })
  values?: GradingValueInput[] | null;
}

@ObjectType({ description: 'Result of `gradingSystemUpdate`.' })
export class GradingSystemUpdatePayload extends Payload {
  @Field(() => GradingSystem, { nullable: true, description: 'The updated system; null when nothing was changed.' })
  gradingSystem?: GradingSystem | null;
}

@InputType({ description: 'Input of `gradingSystemDelete`.' })
export class GradingSystemDeleteInput {
  @Field(() => ID, { description: 'The grading system; refused with IN_USE while anything uses it.' })
  gradingSystemId!: string;
}

@ObjectType({ description: 'Result of `gradingSystemDelete`.' })
export class GradingSystemDeletePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'ID of the deleted system; null when nothing was deleted.' })
  deletedGradingSystemId?: string | null;

  @Field(() => School, { nullable: true, description: 'The school the system belonged to.' })
  school?: School | null;
}
