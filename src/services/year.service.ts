import type { AppConfig } from '../config';

/** School-year structure: schools, academic years, study periods, holidays, grading systems (R-YEAR-1, R-YEAR-2). */
export class YearService {
  constructor(private readonly config: AppConfig) {}
}
