//! Decoding, its limits, conversion and resizing.

use super::*;

#[test]
fn jpeg_encoding_round_trips_a_flat_image() {
    let img = RgbImage::new(32, 24, [200u8, 40, 90].repeat(32 * 24)).expect("image");
    let jpeg = img.to_jpeg(90).expect("encodes");
    assert!(jpeg.starts_with(&[0xFF, 0xD8, 0xFF]));
    let back = decode(&jpeg, FrameFormat::Jpeg).expect("decodes");
    assert_eq!((back.width, back.height), (32, 24));
    let [r, g, b] = back.pixel(16, 12);
    assert!(
        r.abs_diff(200) < 8 && g.abs_diff(40) < 8 && b.abs_diff(90) < 8,
        "{r} {g} {b}"
    );
}

#[test]
fn yuyv_grey_and_colours_convert() {
    // Y=235 with neutral chroma is white; Y=16 is black.
    let img = yuyv_to_rgb(&[235, 128, 16, 128], 2, 1).expect("valid");
    assert_eq!(img.data, vec![255, 255, 255, 0, 0, 0]);
    // Strong V (red-difference) makes red dominate.
    let red = yuyv_to_rgb(&[81, 90, 81, 240], 2, 1).expect("valid");
    assert!(
        red.data[0] > 200 && red.data[1] < 60 && red.data[2] < 60,
        "{:?}",
        red.data
    );
}

#[test]
fn yuyv_with_wrong_length_names_the_sizes() {
    let err = yuyv_to_rgb(&[0; 7], 2, 2).expect_err("wrong size");
    assert_eq!(err.to_string(), "YUYV frame of 2x2 needs 8 bytes, got 7");
}

#[test]
fn bgr_is_swapped_to_rgb() {
    let img = decode(
        &[1, 2, 3],
        FrameFormat::Bgr {
            width: 1,
            height: 1,
        },
    )
    .expect("valid");
    assert_eq!(img.data, vec![3, 2, 1]);
}

#[test]
fn png_round_trips_through_the_decoder() {
    let mut png = Vec::new();
    let src = image::RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8 * 50, y as u8 * 100, 7]));
    src.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode");
    let img = decode(&png, FrameFormat::Png).expect("decode");
    assert_eq!((img.width, img.height), (3, 2));
    assert_eq!(img.pixel(2, 1), [100, 100, 7]);
}

#[test]
fn corrupt_jpeg_is_an_error_not_a_panic() {
    let err = decode(&[0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3], FrameFormat::Jpeg).expect_err("corrupt");
    assert!(
        err.to_string().starts_with("cannot decode JPEG data"),
        "{err}"
    );
}

/// A PNG that is only a header claiming `width`×`height` RGB8 pixels.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        !bytes.iter().fold(!0u32, |crc, &b| {
            (0..8).fold(crc ^ u32::from(b), |c, _| {
                (c >> 1) ^ (0xEDB8_8320 & (c & 1).wrapping_neg())
            })
        })
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let ihdr = [
        &width.to_be_bytes()[..],
        &height.to_be_bytes(),
        &[8, 2, 0, 0, 0],
    ]
    .concat();
    for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &[]), (b"IEND", &[])] {
        png.extend((data.len() as u32).to_be_bytes());
        let chunk = [kind, data].concat();
        png.extend(&chunk);
        png.extend(crc32(&chunk).to_be_bytes());
    }
    png
}

#[test]
fn an_image_over_the_side_limit_is_refused_naming_the_limit() {
    let err = decode(&png_header(8_001, 1), FrameFormat::Png).expect_err("too wide");
    assert_eq!(
        err.to_string(),
        "PNG data is 8001x1 px, over the 8000 px limit on a side: send a smaller image"
    );
    let raw = FrameFormat::Rgb {
        width: u32::MAX,
        height: u32::MAX,
    };
    assert!(matches!(decode(&[], raw), Err(ImageError::TooLarge { .. })));
    let err = yuyv_to_rgb(&[], u32::MAX, 2).expect_err("too wide");
    assert!(
        err.to_string().starts_with("YUYV frame is 4294967295x2 px"),
        "{err}"
    );
}

#[test]
fn an_image_needing_too_much_memory_is_refused_before_decoding() {
    let err = decode(&png_header(8_000, 4_000), FrameFormat::Png).expect_err("too big");
    assert_eq!(
        err.to_string(),
        "PNG data (8000x4000 px) would need about 336 MiB to decode, over the 256 MiB \
         limit: send a smaller image"
    );
    // Within both limits, the same header gets as far as the (missing) pixel data.
    let err = decode(&png_header(4_000, 3_000), FrameFormat::Png).expect_err("no pixels");
    assert!(matches!(err, ImageError::Decode { .. }), "{err}");
}

#[test]
fn a_photo_is_decoded_whatever_its_format() {
    let img = RgbImage::new(4, 4, [9u8, 99, 199].repeat(16)).expect("valid");
    let jpeg = img.to_jpeg(95).expect("encodes");
    assert_eq!(decode_photo(&jpeg, "a.jpg").expect("decodes").width, 4);
    let err = decode_photo(b"not an image", "b.jpg").expect_err("unknown");
    assert!(err.to_string().starts_with("cannot decode b.jpg"), "{err}");
}

#[test]
fn resizing_keeps_a_flat_colour_flat() {
    let img = RgbImage::new(8, 6, [10u8, 20, 30].repeat(48)).expect("valid");
    let small = img.resized(4, 3);
    assert_eq!((small.width, small.height), (4, 3));
    assert!(small.data.chunks_exact(3).all(|p| p == [10, 20, 30]));
}

/// `jpeg` with an APP1 EXIF segment, right after SOI, whose only tag is Orientation.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    // Big-endian TIFF header, one IFD at offset 8 with one SHORT entry (tag 0x0112), no next IFD.
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01".to_vec();
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0, 0, 0, 0, 0]);
    let payload = [&b"Exif\x00\x00"[..], &tiff].concat();
    let length = u16::try_from(payload.len() + 2).expect("small segment");
    [
        &jpeg[..2],
        &[0xFF, 0xE1],
        &length.to_be_bytes(),
        &payload,
        &jpeg[2..],
    ]
    .concat()
}

/// 64×32: the left half red, the right half blue (blocks large enough to survive JPEG).
fn red_left_blue_right() -> RgbImage {
    let data = (0..64 * 32).flat_map(|i| {
        if i % 64 < 32 {
            [220, 20, 20]
        } else {
            [20, 20, 220]
        }
    });
    RgbImage::new(64, 32, data.collect()).expect("valid")
}

fn is_red([r, g, b]: [u8; 3]) -> bool {
    r > 150 && g < 80 && b < 80
}

fn is_blue([r, g, b]: [u8; 3]) -> bool {
    b > 150 && r < 80 && g < 80
}

#[test]
fn a_jpeg_whose_exif_says_rotated_is_decoded_upright() {
    let jpeg = red_left_blue_right().to_jpeg(95).expect("encodes");
    let plain = decode(&jpeg, FrameFormat::Jpeg).expect("decodes");
    assert_eq!((plain.width, plain.height), (64, 32));

    // 6: "rotate 90° clockwise to view" (a phone held upright); the stored left edge goes on top.
    let rotated = decode(&with_exif_orientation(&jpeg, 6), FrameFormat::Jpeg).expect("decodes");
    assert_eq!((rotated.width, rotated.height), (32, 64));
    assert!(is_red(rotated.pixel(16, 8)), "{:?}", rotated.pixel(16, 8));
    assert!(
        is_blue(rotated.pixel(16, 56)),
        "{:?}",
        rotated.pixel(16, 56)
    );

    // 8: 90° counter-clockwise, the stored left edge at the bottom; 3: upside down.
    let ccw = decode_photo(&with_exif_orientation(&jpeg, 8), "ccw.jpg").expect("decodes");
    assert_eq!((ccw.width, ccw.height), (32, 64));
    assert!(is_blue(ccw.pixel(16, 8)) && is_red(ccw.pixel(16, 56)));
    let upside_down = decode(&with_exif_orientation(&jpeg, 3), FrameFormat::Jpeg).expect("ok");
    assert_eq!((upside_down.width, upside_down.height), (64, 32));
    assert!(is_blue(upside_down.pixel(8, 16)) && is_red(upside_down.pixel(56, 16)));
}

#[test]
fn an_unknown_exif_orientation_leaves_the_frame_as_stored() {
    let jpeg = red_left_blue_right().to_jpeg(95).expect("encodes");
    let img = decode(&with_exif_orientation(&jpeg, 42), FrameFormat::Jpeg).expect("decodes");
    assert_eq!((img.width, img.height), (64, 32));
    assert!(is_red(img.pixel(8, 16)) && is_blue(img.pixel(56, 16)));
}

#[test]
fn a_crop_keeps_its_pixels_and_is_clipped_to_the_image() {
    // 4×3, each pixel's red channel its index.
    let img = RgbImage::new(4, 3, (0..12u8).flat_map(|i| [i, 0, 0]).collect()).expect("image");
    let c = img.cropped(1, 1, 2, 2).expect("inside");
    assert_eq!((c.width, c.height), (2, 2));
    let reds: Vec<u8> = c.data.chunks(3).map(|p| p[0]).collect();
    assert_eq!(reds, [5, 6, 9, 10]);
    let clipped = img.cropped(-1, 2, 3, 5).expect("partly inside");
    assert_eq!((clipped.width, clipped.height), (2, 1));
    assert_eq!(
        clipped.data.chunks(3).map(|p| p[0]).collect::<Vec<_>>(),
        [8, 9]
    );
    assert!(img.cropped(4, 0, 2, 2).is_none());
    assert!(img.cropped(-3, 0, 2, 2).is_none());
}
