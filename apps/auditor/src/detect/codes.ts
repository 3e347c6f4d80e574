import type { AnomalySeverity } from '@custodian/core';

/** Anomaly codes of rulebook section 3, with severity, score weight and labels. */
export const ANOMALY_CODES = [
  'ACCESS_WITHOUT_APPROVAL',
  'APPROVAL_SCOPE_EXCEEDED',
  'ACCESS_AFTER_DEPARTURE',
  'CLEARANCE_VIOLATION',
  'BULK_EXPORT',
  'LOAN_OVERDUE',
  'VOLUME_SPIKE',
  'OFF_HOURS_ACCESS',
  'ENUMERATION',
  'TARGET_SNOOPING',
  'LOGIN_BRUTE_FORCE',
  'CONCURRENT_SESSION',
  'DELETION_WITHOUT_APPROVAL',
] as const;
export type AnomalyCode = (typeof ANOMALY_CODES)[number];

interface CodeInfo {
  severity: AnomalySeverity;
  /** Default score weight: what the code says about intent, not how often it happens. */
  weight: number;
  zh: string;
  en: string;
}

export const CODE_INFO: Record<AnomalyCode, CodeInfo> = {
  ACCESS_WITHOUT_APPROVAL: {
    severity: 'error',
    weight: 30,
    zh: '无有效审批的访问',
    en: 'access without a valid approval',
  },
  APPROVAL_SCOPE_EXCEEDED: {
    severity: 'warning',
    weight: 20,
    zh: '超出审批范围',
    en: 'approval scope exceeded',
  },
  ACCESS_AFTER_DEPARTURE: {
    severity: 'error',
    weight: 40,
    zh: '离职/调岗后访问',
    en: 'access after leaving or transfer',
  },
  CLEARANCE_VIOLATION: { severity: 'error', weight: 40, zh: '越密级访问', en: 'access above clearance' },
  BULK_EXPORT: { severity: 'error', weight: 35, zh: '批量导出/打印', en: 'bulk export or print' },
  LOAN_OVERDUE: { severity: 'warning', weight: 10, zh: '借阅逾期未还', en: 'borrowed material overdue' },
  VOLUME_SPIKE: { severity: 'warning', weight: 25, zh: '访问量异常激增', en: 'access volume spike' },
  OFF_HOURS_ACCESS: {
    severity: 'info',
    weight: 10,
    zh: '非工作时间访问',
    en: 'access outside working hours',
  },
  ENUMERATION: {
    severity: 'error',
    weight: 35,
    zh: '连续档案号遍历',
    en: 'enumeration of consecutive archive numbers',
  },
  TARGET_SNOOPING: {
    severity: 'warning',
    weight: 20,
    zh: '多人集中查看同一客户',
    en: 'one customer looked at by many operators',
  },
  LOGIN_BRUTE_FORCE: { severity: 'warning', weight: 15, zh: '连续登录失败', en: 'burst of failed logins' },
  CONCURRENT_SESSION: {
    severity: 'warning',
    weight: 20,
    zh: '同一账号多地同时使用',
    en: 'one account used from two places at once',
  },
  DELETION_WITHOUT_APPROVAL: {
    severity: 'error',
    weight: 40,
    zh: '未经审批的删除',
    en: 'deletion without approval',
  },
};

export function isAnomalyCode(s: string): s is AnomalyCode {
  return (ANOMALY_CODES as readonly string[]).includes(s);
}
