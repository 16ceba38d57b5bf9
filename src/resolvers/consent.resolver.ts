import { Arg, Ctx as GqlCtx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { ConsentStatus } from '../entities/student.entity';
import { Consent } from '../entities/consent.entity';
import {
  ConsentRegisterInput, ConsentRegisterPayload, ConsentWithdrawInput, ConsentWithdrawPayload, StudentConsentState,
} from '../schema/consent.types';

const inputArg = { description: 'The input of the action.' } as const;

@Resolver(() => Consent)
export class ConsentResolver {
  @Query(() => [StudentConsentState], { description: 'Students currently in a class with the given consent state, by pseudonym (R-SEC-4). The class teacher, or ADMIN or DEPUTY of the school.' })
  async studentsByConsent(
    @Arg('classId', () => ID, { description: 'Global ID of the class.' }) classId: string,
    @Arg('status', () => ConsentStatus, { description: 'The consent state to list.' }) status: ConsentStatus,
    @GqlCtx() ctx: Ctx,
  ): Promise<StudentConsentState[]> {
    return ctx.services.consent.studentsByConsent(ctx, classId, status);
  }

  @FieldResolver(() => ID, { description: 'Global ID of the student the decision is about.' })
  studentId(@Root() consent: Consent, @GqlCtx() ctx: Ctx): string {
    return ctx.services.consent.studentIdOf(consent);
  }

  @FieldResolver(() => ID, { nullable: true, description: 'Global ID of the guardian who decided; null when the student decided for themselves.' })
  guardianId(@Root() consent: Consent, @GqlCtx() ctx: Ctx): string | null {
    return ctx.services.consent.guardianIdOf(consent);
  }

  @FieldResolver(() => Date, { description: 'When the decision was registered.' })
  recordedAt(@Root() consent: Consent): Date {
    return consent.createdAt;
  }

  @Mutation(() => ConsentRegisterPayload, { description: 'Registers consent given or refused to personal-data processing (R-SEC-4). The class teacher of the student\'s class, or ADMIN or DEPUTY of the school.' })
  async consentRegister(@Arg('input', () => ConsentRegisterInput, inputArg) input: ConsentRegisterInput, @GqlCtx() ctx: Ctx): Promise<ConsentRegisterPayload> {
    return Object.assign(new ConsentRegisterPayload(), await ctx.services.consent.consentRegister(ctx, input));
  }

  @Mutation(() => ConsentWithdrawPayload, { description: 'Registers the withdrawal of consent; the personal data are erased by the end of the third working day and the diary account is blocked (R-SEC-4). The class teacher of the student\'s class, or ADMIN or DEPUTY of the school.' })
  async consentWithdraw(@Arg('input', () => ConsentWithdrawInput, inputArg) input: ConsentWithdrawInput, @GqlCtx() ctx: Ctx): Promise<ConsentWithdrawPayload> {
    return Object.assign(new ConsentWithdrawPayload(), await ctx.services.consent.consentWithdraw(ctx, input));
  }
}

/** Consent resolvers (R-SEC-4). */
export const consentResolvers: Function[] = [ConsentResolver];
