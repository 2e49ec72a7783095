// The boot sector the lab installer writes to a machine's disk: 16-bit real-mode code that
// prints one line through the BIOS teletype service (INT 10h, AH=0Eh) and halts. SeaBIOS mirrors
// the screen to the serial console, so "booted from its disk" is visible in the console log.
// Layout per the IBM PC MBR convention: code at 0, signature 55 AA at offset 510.

export const LOCAL_BOOT_BANNER = 'CORRAL-LAB: booted from local disk';

export function bootSector(message = LOCAL_BOOT_BANNER): Buffer {
  const code: number[] = [];
  const msgAt = 26; // offset of the message, after the code below
  code.push(0x31, 0xc0); //        xor ax, ax
  code.push(0x8e, 0xd8); //        mov ds, ax        (BIOS loads us at 0000:7C00)
  code.push(0xbe, (0x7c00 + msgAt) & 0xff, (0x7c00 + msgAt) >> 8); // mov si, msg
  code.push(0xfc); //              cld
  const next = code.length;
  code.push(0xac); //              lodsb
  code.push(0x08, 0xc0); //        or al, al
  const jz = code.length;
  code.push(0x74, 0x00); //        jz done (patched)
  code.push(0xb4, 0x0e); //        mov ah, 0Eh
  code.push(0xbb, 0x07, 0x00); //  mov bx, 0007h     (page 0, light grey)
  code.push(0xcd, 0x10); //        int 10h
  code.push(0xeb, (next - (code.length + 2)) & 0xff); // jmp next
  const done = code.length;
  code[jz + 1] = done - (jz + 2);
  code.push(0xf4); //              hlt
  code.push(0xeb, 0xfd); //        jmp done
  if (code.length > msgAt) throw new Error('boot sector code overlaps its message');
  const text = Buffer.from(`\r\n${message}\r\n\0`, 'latin1');
  if (msgAt + text.length > 446) throw new Error('boot sector message too long');
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector, 0);
  text.copy(sector, msgAt);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}
