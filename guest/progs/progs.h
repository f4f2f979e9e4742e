/* The guest programs that guest= selects. Each returns 0 (main prints SUCCESS)
 * or prints "ABORT: why" and returns its non-zero exit code. */
#ifndef GUEST_PROGS_H
#define GUEST_PROGS_H

int prog_hello(void);
int prog_selftest(void);
int prog_fault(void);
int prog_blk(void);
int prog_badring(void);
int prog_echo(void);
int prog_net(void);
int prog_bench(void);
int prog_spin(void);
int prog_ud2_first(void);
int prog_doublefault(void);
int prog_privileged(void);
int prog_trapflag(void);
int prog_nmi(void);
int prog_fpu(void);
int prog_simd_fault(void);
int prog_preempt(void);
int prog_vtimer(void);
int prog_masked(void);
int prog_sched(void);
int prog_crash(void);
int prog_user(void);
int prog_ssnull(void);
int prog_forge(void);
int prog_vm(void);
int prog_ad(void);
int prog_bigpages(void);
int prog_lazy(void);
int prog_cow(void);
int prog_pthostile(void);
int prog_async_io(void);
int prog_ringev(void);
int prog_lab_hypercall(void); /* labs/hypercall/guest/prog.c */
int prog_lab_device(void);    /* labs/device/guest/prog.c */
int prog_lab_pfa(void);       /* labs/pfa/guest/pfa_test.c */
int prog_lab_threads(void);   /* labs/threads/guest/threads_test.c */
int prog_lab_fs(void);        /* labs/fs/guest/fs_test.c */
int prog_lab_vm(void);        /* labs/vm/guest/vm_test.c */
int prog_lab_syscall(void);   /* labs/syscall/guest/syscall_test.c */
int prog_lab_lazy(void);      /* labs/lazy/guest/lazy_test.c */
int prog_lab_cow(void);       /* labs/cow/guest/cow_test.c */
int prog_lab_sched(void);     /* labs/sched/guest/sched_test.c */

#endif
