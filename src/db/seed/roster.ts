import type { SeedStep } from './demo';

/** Demo roster: classes, students, guardians, staff, groups, curriculum, assignments, plans. */
export const rosterSeedSteps: SeedStep[] = [];
