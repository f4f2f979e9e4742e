/* The UEFI host's timer rate for a storm (timer_hz=N, loader/efi/timer_rate.c). */
#ifndef LOADER_EFI_TIMER_RATE_H
#define LOADER_EFI_TIMER_RATE_H

/* The firmware's timer interrupt at hz for the guests' runs (its period
 * before is kept): 1; or 0 and a line saying why not. */
int efi_timer_rate_set(unsigned hz);
/* The period it had before efi_timer_rate_set, if that changed it. */
void efi_timer_rate_restore(void);

#endif
