; Embeds the assembled world-switch stub (build/switch.bin) in the monitor, for
; switch/passage.c to copy into the passage's code page.
section .rodata
align 16
global switch_blob_start, switch_blob_end
switch_blob_start:
	incbin "switch.bin"
switch_blob_end:
