/*
 * Multiboot (v1) entry of the bare-metal heartbeat guest.  The loader
 * (QEMU's -kernel) enters in 32-bit protected mode with flat segments,
 * paging off, EAX = the multiboot magic and EBX = the multiboot info.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003     /* modules page-aligned, memory map wanted */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .section .note.GNU-stack, "", @progbits

    .section .bss
    .align 16
stack_bottom:
    .skip 65536
stack_top:

    .section .text
    .globl _start
_start:
    cli
    mov $stack_top, %esp
    push %ebx                   /* multiboot info */
    push %eax                   /* magic */
    call metal_main
1:  hlt
    jmp 1b
