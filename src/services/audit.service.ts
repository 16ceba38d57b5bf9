import type { AppConfig } from '../config';

/** Reading and verifying the audit trail (R-SEC-5). */
export class AuditService {
  constructor(private readonly config: AppConfig) {}
}
