/* A storm on the UEFI host: timer_hz=N sets the firmware's own timer
 * interrupt to N Hz while the guests run, through the timer architectural
 * protocol's SetTimerPeriod (UEFI PI spec Vol.2 12.10, DXE architectural
 * protocols: EFI_TIMER_ARCH_PROTOCOL; periods in 100 ns units), and puts the
 * old period back after. Every event of Boot Services keeps its own period:
 * the firmware counts time in those units, not in interrupts. GNU-EFI has no
 * header for it: the protocol's members, in the spec's order, are here. */
#include <efi.h>
#include <efilib.h>
#include "timer_rate.h"
#include "../log.h"

static EFI_GUID timer_arch_guid = { 0x26baccb3, 0x6f42, 0x11d4,
				    { 0xbc, 0xe7, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } };

struct timer_arch {
	VOID *register_handler;
	EFI_STATUS(__attribute__((ms_abi)) * set_timer_period)(struct timer_arch *self,
							       UINT64 period);
	EFI_STATUS(__attribute__((ms_abi)) * get_timer_period)(struct timer_arch *self,
							       UINT64 *period);
	VOID *generate_soft_interrupt;
};

#define PERIOD_UNITS_HZ 10000000ull /* 100 ns units */

static struct timer_arch *timer;
static UINT64 old_period; /* 0: not changed */

int efi_timer_rate_set(unsigned hz)
{
	UINT64 period = (PERIOD_UNITS_HZ + hz / 2) / hz, before = 0;
	EFI_STATUS s;

	s = uefi_call_wrapper(BS->LocateProtocol, 3, &timer_arch_guid, NULL, (void **)&timer);
	if (EFI_ERROR(s) || !timer) {
		log_printf("monitor: efi: no EFI_TIMER_ARCH_PROTOCOL: timer_hz=%u ignored\n", hz);
		timer = 0;
		return 0;
	}
	s = timer->get_timer_period(timer, &before);
	if (!EFI_ERROR(s) && before)
		s = timer->set_timer_period(timer, period);
	if (EFI_ERROR(s) || !before) {
		log_printf("monitor: efi: the firmware kept its timer's period (%lu00 ns): "
			   "timer_hz=%u ignored (%lx)\n", (uint64_t)before, hz, (uint64_t)s);
		return 0;
	}
	old_period = before;
	log_printf("monitor: efi: the firmware's timer at %u Hz for timer_hz=%u (a %lu00 ns "
		   "period; it was %lu00 ns)\n", (unsigned)(PERIOD_UNITS_HZ / period), hz,
		   (uint64_t)period, (uint64_t)before);
	return 1;
}

void efi_timer_rate_restore(void)
{
	if (!old_period)
		return;
	if (EFI_ERROR(timer->set_timer_period(timer, old_period)))
		log_printf("monitor: efi: could not put the timer's period back\n");
	old_period = 0;
}
