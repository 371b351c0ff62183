//! Reads the parts of an ELF executable that decide whether it needs a dynamic loader.

/// Program header type of the dynamic linking table.
const PT_DYNAMIC: u32 = 2;

/// Program header type that names the program interpreter, the dynamic loader.
const PT_INTERP: u32 = 3;

/// Dynamic table tag that ends the table.
const DT_NULL: i64 = 0;

/// Dynamic table tag of a shared library the executable needs.
const DT_NEEDED: i64 = 1;

/// How an executable is linked, as its program headers state it.
#[derive(Debug)]
pub struct Linkage {
    /// The program interpreter from `PT_INTERP`, such as `/lib64/ld-linux-x86-64.so.2`.
    pub interpreter: Option<String>,
    /// Whether a `PT_DYNAMIC` segment exists. A static PIE has one, with relocations only.
    pub has_dynamic_segment: bool,
    /// The number of `DT_NEEDED` entries, one per shared library to load.
    pub needed_libraries: usize,
}

/// Parses the program headers of a 64-bit little-endian ELF file.
pub fn linkage(bytes: &[u8]) -> Result<Linkage, String> {
    if bytes.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err("missing ELF magic".to_owned());
    }
    if bytes.get(4) != Some(&2) || bytes.get(5) != Some(&1) {
        return Err("not a 64-bit little-endian ELF file".to_owned());
    }

    let table_offset = read_u64(bytes, 0x20)? as usize;
    let entry_size = read_u16(bytes, 0x36)? as usize;
    let entry_count = read_u16(bytes, 0x38)? as usize;

    let mut linkage = Linkage {
        interpreter: None,
        has_dynamic_segment: false,
        needed_libraries: 0,
    };
    for index in 0..entry_count {
        let header = table_offset + index * entry_size;
        let segment_type = read_u32(bytes, header)?;
        let offset = read_u64(bytes, header + 8)? as usize;
        let size = read_u64(bytes, header + 32)? as usize;
        let contents = bytes
            .get(offset..offset + size)
            .ok_or_else(|| format!("segment {index} lies outside the file"))?;

        match segment_type {
            PT_INTERP => linkage.interpreter = Some(read_c_string(contents)),
            PT_DYNAMIC => {
                linkage.has_dynamic_segment = true;
                linkage.needed_libraries += count_needed(contents)?;
            }
            _ => {}
        }
    }
    Ok(linkage)
}

/// Counts the `DT_NEEDED` entries of a dynamic table, up to its `DT_NULL` entry.
fn count_needed(table: &[u8]) -> Result<usize, String> {
    let mut needed = 0;
    for entry in table.chunks_exact(16) {
        match read_u64(entry, 0)? as i64 {
            DT_NULL => break,
            DT_NEEDED => needed += 1,
            _ => {}
        }
    }
    Ok(needed)
}

fn read_c_string(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

fn read_u16(bytes: &[u8], offset: usize) -> Result<u16, String> {
    read_array(bytes, offset).map(u16::from_le_bytes)
}

fn read_u32(bytes: &[u8], offset: usize) -> Result<u32, String> {
    read_array(bytes, offset).map(u32::from_le_bytes)
}

fn read_u64(bytes: &[u8], offset: usize) -> Result<u64, String> {
    read_array(bytes, offset).map(u64::from_le_bytes)
}

fn read_array<const N: usize>(bytes: &[u8], offset: usize) -> Result<[u8; N], String> {
    bytes
        .get(offset..offset + N)
        .and_then(|slice| slice.try_into().ok())
        .ok_or_else(|| format!("file ends before offset {offset:#x} + {N}"))
}
