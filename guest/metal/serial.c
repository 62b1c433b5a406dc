/*
 * COM1 (0x3f8), 115200 8N1, FIFO on, no interrupts.  With the FIFO on, an
 * empty transmitter (THRE) takes 16 bytes at once: one status read per 16
 * bytes instead of per byte, which matters under KVM where each port
 * access is an exit to QEMU.
 */
#include "serial.h"
#include "hw.h"

#define COM1 0x3f8
#define UART_FIFO_SIZE 16
#define LSR_THRE 0x20

void serial_init(void)
{
    outb(COM1 + 1, 0x00);       /* no interrupts */
    outb(COM1 + 3, 0x80);       /* divisor latch */
    outb(COM1 + 0, 0x01);       /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);       /* 8N1 */
    outb(COM1 + 2, 0xc7);       /* FIFO on and cleared */
    outb(COM1 + 4, 0x03);       /* DTR, RTS; OUT2 off: no IRQ */
}

static void send(const char *p, unsigned len)
{
    while (len) {
        unsigned n = len < UART_FIFO_SIZE ? len : UART_FIFO_SIZE;

        while (!(inb(COM1 + 5) & LSR_THRE)) {
            /* the host has not taken the previous bytes yet */
        }
        for (unsigned i = 0; i < n; i++) {
            outb(COM1, p[i]);
        }
        p += n;
        len -= n;
    }
}

void serial_line(const Line *l)
{
    send(l->buf, l->len);
    send("\n", 1);
}
