import type { MetadataStorage } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';

/**
 * Categories of personal data, each erased on its own (R-SEC-4, R-SEC-8): a withdrawal of consent
 * erases both, the end of the diary service (leaving or finishing school) only DIARY_SERVICE, while
 * the identity stays on the school records the law requires to be kept (R-ARCH-3).
 */
export enum PdCategory {
  IDENTITY = 'IDENTITY',
  DIARY_SERVICE = 'DIARY_SERVICE',
}
registerEnumType(PdCategory, {
  name: 'PersonalDataCategory',
  description: 'A category of personal data, erased on its own (R-SEC-4, R-SEC-8).',
  valuesConfig: {
    IDENTITY: { description: 'Identity: names, birth date, sex, enrolment number.' },
    DIARY_SERVICE: { description: 'Diary-service data: contacts (phone, e-mail), accounts (login, account names, client addresses) and guardians\' data.' },
  },
});

/** Whose personal data a value is: an entity row (`Student`, `Guardian`, `User`). */
export interface PdSubject {
  type: string;
  id: string;
}

interface PersonalDataSpec {
  /** The subject is the entity itself, or the entity a to-one relation of it points at. */
  subject?: { type: string; via: string };
  props: Record<string, PdCategory>;
}

const { IDENTITY, DIARY_SERVICE } = PdCategory;

/**
 * THE list of personal properties of the entities, by category: the audit trail stores their
 * values encrypted with the key of their subject and category (crypto-shredding), and erasure
 * destroys those keys. A property missing here is recorded in clear, so a new personal property
 * is added here in the same change that adds it to its entity (checked at start-up against the
 * ORM metadata: a renamed property fails loudly).
 */
export const PERSONAL_DATA: Readonly<Record<string, PersonalDataSpec>> = {
  Student: {
    props: {
      lastName: IDENTITY, firstName: IDENTITY, middleName: IDENTITY, birthDate: IDENTITY, sex: IDENTITY, enrolmentNumber: IDENTITY,
      phone: DIARY_SERVICE, email: DIARY_SERVICE,
    },
  },
  Guardian: {
    props: { lastName: DIARY_SERVICE, firstName: DIARY_SERVICE, middleName: DIARY_SERVICE, phone: DIARY_SERVICE, email: DIARY_SERVICE },
  },
  User: {
    props: { login: DIARY_SERVICE, lastName: DIARY_SERVICE, firstName: DIARY_SERVICE, middleName: DIARY_SERVICE },
  },
  // R-JOUR-12: what people write to each other is diary-service data of the writing account.
  MessageThread: {
    subject: { type: 'User', via: 'startedBy' },
    props: { topic: DIARY_SERVICE },
  },
  Message: {
    subject: { type: 'User', via: 'author' },
    props: { body: DIARY_SERVICE },
  },
  AuthSession: {
    subject: { type: 'User', via: 'user' },
    props: { ip: DIARY_SERVICE, userAgent: DIARY_SERVICE },
  },
};

/** `actor_login` and `ip` of every audit entry belong to the acting user's account data. */
export const ACTOR_CATEGORY = PdCategory.DIARY_SERVICE;
/** Subject of the client address of a change made without a signed-in user. */
export const ANONYMOUS_SUBJECT: PdSubject = { type: 'Anonymous', id: '00000000-0000-0000-0000-000000000000' };

/** Personal properties of an entity class with their categories; undefined when it has none. */
export function personalProps(className: string): PersonalDataSpec | undefined {
  return PERSONAL_DATA[className];
}

/** Fails when the list names an entity or property the ORM does not know (e.g. after a rename). */
export function checkPersonalData(metadata: MetadataStorage): void {
  for (const [className, spec] of Object.entries(PERSONAL_DATA)) {
    const meta = metadata.find(className);
    if (!meta) throw new Error(`personal-data list: unknown entity ${className}`);
    for (const prop of [...Object.keys(spec.props), ...(spec.subject ? [spec.subject.via] : [])]) {
      if (!meta.properties[prop as never]) throw new Error(`personal-data list: ${className} has no property ${prop}`);
    }
  }
}
