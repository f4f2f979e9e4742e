/* NMIs on the UEFI host (loader/efi/nmi.h), through the CPU architectural
 * protocol's RegisterInterruptHandler (UEFI PI spec Vol.2 12.3, DXE
 * architectural protocols: EFI_CPU_ARCH_PROTOCOL). GNU-EFI has no header for
 * it: the protocol's first members, in the spec's order, are declared here. */
#include <efi.h>
#include <efilib.h>
#include "nmi.h"
#include "../log.h"

static EFI_GUID cpu_arch_guid = { 0x26baccb1, 0x6f42, 0x11d4,
				  { 0xbc, 0xe7, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } };

typedef VOID(__attribute__((ms_abi)) * cpu_handler)(INTN type, VOID *context);

struct cpu_arch {
	VOID *flush_data_cache, *enable_interrupt, *disable_interrupt, *get_interrupt_state;
	VOID *init;
	EFI_STATUS(__attribute__((ms_abi)) * register_interrupt_handler)(struct cpu_arch *self,
									INTN type,
									cpu_handler handler);
};

#define EXCEPT_NMI 2 /* EFI_EXCEPTION_TYPE: the vector */

static struct cpu_arch *cpu;
static volatile uint64_t nmis;

static VOID __attribute__((ms_abi)) on_nmi(INTN type, VOID *context)
{
	(void)type;
	(void)context;
	nmis++;
}

void efi_nmi_watch(int on)
{
	EFI_STATUS s;

	if (!cpu) {
		s = uefi_call_wrapper(BS->LocateProtocol, 3, &cpu_arch_guid, NULL, (void **)&cpu);
		if (EFI_ERROR(s) || !cpu) {
			log_printf("monitor: efi: no EFI_CPU_ARCH_PROTOCOL: NMIs stay the "
				   "firmware's\n");
			cpu = 0;
			return;
		}
	}
	/* NULL unregisters (PI spec: RegisterInterruptHandler). */
	s = cpu->register_interrupt_handler(cpu, EXCEPT_NMI, on ? on_nmi : NULL);
	if (EFI_ERROR(s))
		log_printf("monitor: efi: RegisterInterruptHandler(NMI) failed: %lx\n", (uint64_t)s);
}

uint64_t efi_nmi_count(void)
{
	return nmis;
}
