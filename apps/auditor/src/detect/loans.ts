import type { EvidenceEvent } from './drafts.js';

/**
 * Loans of archive material (003 §19: returned within three days). A borrow opens a loan; a return
 * of the same archive number closes the borrower's oldest open loan of it (or, failing that,
 * anyone's: material is sometimes handed back by a colleague). A loan returned late, or still
 * open at audit time past its due instant, is overdue, once per loan.
 */
export interface Loan {
  loanId?: number;
  operatorId: string;
  archive: string;
  borrowedAt: number;
  approvalId: string | null;
  overdueRaised: boolean;
  evidence: EvidenceEvent | null;
}

export interface OverdueLoan {
  loan: Loan;
  dueAt: number;
  returnedAt: number | null;
  returnEvidence: EvidenceEvent | null;
}

export class LoanBook {
  private readonly open = new Map<string, Loan[]>();
  /** Loans read from the database that this run closed (to delete there). */
  readonly closedStored: number[] = [];
  readonly overdue: OverdueLoan[] = [];

  constructor(
    private readonly loanMs: number,
    stored: Loan[] = [],
  ) {
    for (const l of stored) this.add(l);
  }

  private add(l: Loan): void {
    let list = this.open.get(l.archive);
    if (!list) {
      list = [];
      this.open.set(l.archive, list);
    }
    list.push(l);
  }

  borrow(l: Loan): void {
    this.add(l);
  }

  giveBack(operatorId: string, archive: string, at: number, evidence: () => EvidenceEvent): void {
    const list = this.open.get(archive);
    if (!list || list.length === 0) return;
    let idx = -1;
    for (let i = 0; i < list.length; i++) {
      if (
        list[i]!.operatorId === operatorId &&
        list[i]!.borrowedAt <= at &&
        (idx === -1 || list[i]!.borrowedAt < list[idx]!.borrowedAt)
      )
        idx = i;
    }
    if (idx === -1) {
      for (let i = 0; i < list.length; i++)
        if (list[i]!.borrowedAt <= at && (idx === -1 || list[i]!.borrowedAt < list[idx]!.borrowedAt)) idx = i;
    }
    if (idx === -1) return;
    const loan = list[idx]!;
    list.splice(idx, 1);
    if (list.length === 0) this.open.delete(archive);
    if (loan.loanId !== undefined) this.closedStored.push(loan.loanId);
    const dueAt = loan.borrowedAt + this.loanMs;
    if (at > dueAt && !loan.overdueRaised) {
      loan.overdueRaised = true;
      this.overdue.push({ loan, dueAt, returnedAt: at, returnEvidence: evidence() });
    }
  }

  /** Marks loans still open at `asOf` and past due as overdue; returns every loan still open. */
  finish(asOf: number): Loan[] {
    const still: Loan[] = [];
    for (const list of this.open.values()) {
      for (const loan of list) {
        const dueAt = loan.borrowedAt + this.loanMs;
        if (asOf > dueAt && !loan.overdueRaised) {
          loan.overdueRaised = true;
          this.overdue.push({ loan, dueAt, returnedAt: null, returnEvidence: null });
        }
        still.push(loan);
      }
    }
    return still;
  }
}
