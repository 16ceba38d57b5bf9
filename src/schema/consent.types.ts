import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { ConsentStatus } from '../entities/student.entity';
import { Consent, ErasureJob } from '../entities/consent.entity';

/** Decisions that `consentRegister` records; a withdrawal has its own mutation. */
export enum ConsentRegisterDecision {
  GIVEN = 'GIVEN',
  REFUSED = 'REFUSED',
}
registerEnumType(ConsentRegisterDecision, {
  name: 'ConsentRegisterDecision',
  description: 'A decision that `consentRegister` records.',
  valuesConfig: {
    GIVEN: { description: 'Consent given: personal data may be entered.' },
    REFUSED: { description: 'Consent refused: the student stays an opaque record; no electronic diary.' },
  },
});

@InputType({ description: 'Input of `consentRegister`.' })
export class ConsentRegisterInput {
  @Field(() => ID, { description: 'The student the decision is about.' })
  studentId!: string;

  @Field(() => ID, { nullable: true, description: 'The guardian who decided; omitted when the student decided for themselves (of age).' })
  guardianId?: string | null;

  @Field(() => ConsentRegisterDecision, { description: 'The decision (a withdrawal is `consentWithdraw`).' })
  decision!: ConsentRegisterDecision;

  @Field(() => LocalDateResolver, { description: 'Date of the decision, as on the signed document; not in the future.' })
  decidedOn!: string;

  @Field(() => String, { description: 'Reference of the signed paper document, e.g. "Заявление № 12 от 01.09.2025".' })
  documentRef!: string;
}

@ObjectType({ description: 'Result of `consentRegister`.' })
export class ConsentRegisterPayload extends Payload {
  @Field(() => Consent, { nullable: true, description: 'The recorded decision; null when nothing was recorded.' })
  consent?: Consent | null;

  @Field(() => ConsentStatus, { nullable: true, description: 'The student\'s consent state now; null when nothing was recorded.' })
  consentStatus?: ConsentStatus | null;
}

@InputType({ description: 'Input of `consentWithdraw`.' })
export class ConsentWithdrawInput {
  @Field(() => ID, { description: 'The student whose consent is withdrawn.' })
  studentId!: string;

  @Field(() => ID, { nullable: true, description: 'The guardian who withdrew it; omitted when the student withdrew it themselves (of age).' })
  guardianId?: string | null;

  @Field(() => LocalDateResolver, { description: 'Date of the withdrawal, as on the signed document; not in the future. The erasure deadline counts from it.' })
  decidedOn!: string;

  @Field(() => String, { description: 'Reference of the signed paper document.' })
  documentRef!: string;
}

@ObjectType({ description: 'Result of `consentWithdraw`.' })
export class ConsentWithdrawPayload extends Payload {
  @Field(() => Consent, { nullable: true, description: 'The recorded withdrawal; null when nothing was recorded.' })
  consent?: Consent | null;

  @Field(() => ConsentStatus, { nullable: true, description: 'The student\'s consent state now (WITHDRAWN); null when nothing was recorded.' })
  consentStatus?: ConsentStatus | null;

  @Field(() => ErasureJob, { nullable: true, description: 'The scheduled erasure of the personal data, due by the end of the third working day; null when nothing was recorded.' })
  erasureJob?: ErasureJob | null;
}

@ObjectType({ description: 'A student of a class with their consent state (R-SEC-4); carries no personal data.' })
export class StudentConsentState {
  @Field(() => ID, { description: 'Global ID of the student.' })
  studentId!: string;

  @Field(() => String, { description: 'Opaque record number of the student.' })
  pseudonym!: string;

  @Field(() => ConsentStatus, { description: 'Consent state.' })
  consentStatus!: ConsentStatus;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Date of the latest registered decision; null when none was registered.' })
  decidedOn?: string | null;

  @Field(() => Date, { nullable: true, description: 'When a pending erasure of the personal data is due; null when none is pending.' })
  erasureDueAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the personal data were erased; null when they were not.' })
  erasedAt?: Date | null;
}
