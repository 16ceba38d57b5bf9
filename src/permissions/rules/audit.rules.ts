import { canReadAudit, isAuthenticated } from './common.rules';
import type { RuleMap } from '../rule-map';

/**
 * Audit trail (R-SEC-5): school administrators, directors and deputies; the service then checks
 * the school itself. Node lookup: any user, visibility is checked per record in the service.
 */
export const auditRules: RuleMap = {
  Query: {
    auditLog: canReadAudit,
    auditVerify: canReadAudit,
    node: isAuthenticated,
    nodes: isAuthenticated,
  },
  AuditEntry: canReadAudit,
  AuditEntryConnection: canReadAudit,
  AuditEntryEdge: canReadAudit,
  AuditVerification: canReadAudit,
};
