import { Collection, Entity, Enum, ManyToOne, OneToMany, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Node } from '../schema/node';
import { School } from './school.entity';

/** Roles held per school (R-ROLE). "Class teacher" and "teacher of a class" are derived from assignments, not roles. */
export enum Role {
  ADMIN = 'ADMIN',
  DIRECTOR = 'DIRECTOR',
  DEPUTY = 'DEPUTY',
  TEACHER = 'TEACHER',
  STUDENT = 'STUDENT',
  PARENT = 'PARENT',
  ANALYST = 'ANALYST',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'A role a user holds in a school.',
  valuesConfig: {
    ADMIN: { description: 'System administrator of the school (R-ROLE-1).' },
    DIRECTOR: { description: 'Director (R-ROLE-2).' },
    DEPUTY: { description: 'Deputy director for curriculum (R-ROLE-3).' },
    TEACHER: { description: 'Teacher (R-ROLE-4); class-teacher duties follow from class assignments (R-ROLE-5).' },
    STUDENT: { description: 'Student (R-ROLE-6).' },
    PARENT: { description: 'Parent or legal guardian (R-ROLE-7).' },
    ANALYST: { description: 'Education authority analyst: aggregated reports, no personal data (R-ROLE-8).' },
  },
});

@Entity({ tableName: 'app_user' })
@ObjectType({ implements: Node, description: 'A person with an account.' })
export class User extends Node<'fullName' | 'mustChangePassword'> {
  @Field(() => String, { description: 'Login name (unique, case-insensitive).' })
  @Property({ type: 'text' })
  @Unique()
  login!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  passwordHash!: string;

  @Field(() => String, { description: 'Family name.' })
  @Property({ type: 'text' })
  lastName!: string;

  @Field(() => String, { description: 'Given name.' })
  @Property({ type: 'text' })
  firstName!: string;

  @Field(() => String, { nullable: true, description: 'Patronymic, if any.' })
  @Property({ type: 'text', nullable: true })
  middleName?: string | null;

  @Field(() => Boolean, { description: 'The password was issued by someone else and must be changed before anything else is allowed.' })
  @Property({ type: 'boolean', default: false })
  mustChangePassword: boolean = false;

  @Field(() => Date, { nullable: true, description: 'When the account was blocked (R-SEC-6); null when active.' })
  @Property({ type: 'timestamptz', nullable: true })
  blockedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the account was blocked.' })
  @Property({ type: 'text', nullable: true })
  blockedReason?: string | null;

  @OneToMany(() => RoleAssignment, (r) => r.user)
  roleAssignments = new Collection<RoleAssignment>(this);

  @Field(() => String, { description: 'Full name, family name first.' })
  get fullName(): string {
    return [this.lastName, this.firstName, this.middleName].filter(Boolean).join(' ');
  }
}

@Entity({ tableName: 'role_assignment' })
@Unique({ properties: ['user', 'school', 'role'] })
@ObjectType({ description: 'A role held by a user in a school.' })
export class RoleAssignment extends Node {
  @ManyToOne(() => User, { ref: true, deleteRule: 'cascade' })
  user!: Ref<User>;

  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => Role, { description: 'The role.' })
  @Enum({ items: () => Role, nativeEnumName: 'role' })
  role!: Role;
}
