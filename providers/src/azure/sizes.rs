//! Azure GPU VM sizes: what the price feed does not say. Figures are from the size pages of
//! Microsoft's documentation (learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated).
//! Fractional-GPU sizes (NVads A10 v5 below a whole GPU) are left out.

pub(crate) struct Size {
    pub name: &'static str,
    pub gpu: &'static str,
    pub gpu_count: u32,
    pub gpu_memory_gb: f64,
    pub vcpus: u32,
    /// GiB, as Azure publishes it.
    pub memory_gb: f64,
}

const fn size(
    name: &'static str,
    gpu: &'static str,
    gpu_count: u32,
    gpu_memory_gb: f64,
    vcpus: u32,
    memory_gb: f64,
) -> Size {
    Size {
        name,
        gpu,
        gpu_count,
        gpu_memory_gb,
        vcpus,
        memory_gb,
    }
}

pub(crate) const SIZES: &[Size] = &[
    size("Standard_ND96isr_H200_v5", "H200 SXM", 8, 141.0, 96, 1850.0),
    size("Standard_ND96isr_H100_v5", "H100 SXM", 8, 80.0, 96, 1900.0),
    size("Standard_NC40ads_H100_v5", "H100 NVL", 1, 94.0, 40, 320.0),
    size("Standard_NC80adis_H100_v5", "H100 NVL", 2, 94.0, 80, 640.0),
    size("Standard_ND96amsr_A100_v4", "A100 SXM", 8, 80.0, 96, 1900.0),
    size("Standard_ND96asr_v4", "A100 SXM", 8, 40.0, 96, 900.0),
    size("Standard_NC24ads_A100_v4", "A100 PCIe", 1, 80.0, 24, 220.0),
    size("Standard_NC48ads_A100_v4", "A100 PCIe", 2, 80.0, 48, 440.0),
    size("Standard_NC96ads_A100_v4", "A100 PCIe", 4, 80.0, 96, 880.0),
    size("Standard_ND96is_MI300X_v5", "MI300X", 8, 192.0, 96, 1850.0),
    size("Standard_NV36ads_A10_v5", "A10", 1, 24.0, 36, 440.0),
    size("Standard_NV72ads_A10_v5", "A10", 2, 24.0, 72, 880.0),
    size("Standard_NC4as_T4_v3", "T4", 1, 16.0, 4, 28.0),
    size("Standard_NC8as_T4_v3", "T4", 1, 16.0, 8, 56.0),
    size("Standard_NC16as_T4_v3", "T4", 1, 16.0, 16, 110.0),
    size("Standard_NC64as_T4_v3", "T4", 4, 16.0, 64, 440.0),
    size("Standard_NC6s_v3", "V100", 1, 16.0, 6, 112.0),
    size("Standard_NC12s_v3", "V100", 2, 16.0, 12, 224.0),
    size("Standard_NC24s_v3", "V100", 4, 16.0, 24, 448.0),
];
