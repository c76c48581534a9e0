//! A shop's photos: one uploaded by a plain form (`multipart/form-data`, through the same upload path as
//! `POST /media`) and added to the shop, or one removed from it.

use axum::{
    extract::{Multipart, Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};

use super::{Fields, manager, not_found, profile, refused};
use crate::{
    app::exec::Web,
    infra::media::{MediaError, Purpose},
    media::service::{self as media, UploadError},
    web::{
        forms::{Errors, explain},
        page::{self, Staff},
        session::Visit,
    },
};

/// What a refused upload means to the manager.
fn upload_refusal(err: &UploadError) -> String {
    match err {
        UploadError::Image(MediaError::TooLarge) => "照片不能超过 10 MB".into(),
        UploadError::Image(MediaError::UnsupportedType) => "只能上传 JPEG、PNG 或 WebP 格式的照片".into(),
        UploadError::Image(MediaError::DimensionsTooLarge | MediaError::NeedsTooMuchMemory) => {
            "照片尺寸太大，请缩小后再上传".into()
        }
        UploadError::Image(MediaError::Corrupt) => "无法读取这张照片，文件可能已损坏".into(),
        UploadError::Later(..) => "上传太频繁，请稍后再试".into(),
        UploadError::Refused(_) => "您没有权限上传照片".into(),
    }
}

async fn set_photos(staff: &Staff, p: &profile::Profile, ids: Vec<String>) -> Result<(), crate::web::runner::Failure> {
    let mut input = p.base_input();
    input["photoIds"] = json!(ids);
    staff.runner.run::<Value>("ManagerUpdateShop", json!({ "id": p.id, "input": input })).await.map(|_| ())
}

pub async fn upload(State(web): State<Web>, visit: Visit, Path(id): Path<String>, mut form: Multipart) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = match profile::load(&staff, &id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&web, &visit),
        Err(f) => return refused(&web, &visit, &f),
    };
    let mut file = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("photo") => match field.bytes().await {
                Ok(b) => file = Some(b),
                Err(_) => return page::error_status(&web, &visit, 413),
            },
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => return page::error_status(&web, &visit, 400),
        }
    }
    let mut errors = Errors::default();
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        errors.add("photo", "请选择要上传的照片");
        return profile::render(&visit, &staff, &p, None, errors, None);
    };
    let media = match media::upload(&web.state, &staff.runner.who, visit.ip, Purpose::ShopPhoto, file).await {
        Ok(m) => m,
        Err(err) => {
            errors.add("photo", upload_refusal(&err));
            return profile::render(&visit, &staff, &p, None, errors, None);
        }
    };
    let mut ids: Vec<String> = p.photos.iter().map(|ph| ph.id.clone()).collect();
    ids.push(media.id.to_string());
    match set_photos(&staff, &p, ids).await {
        Ok(()) => Redirect::to(&format!("/admin/shops/{}?done=photo-added#photos", page::encode(&id))).into_response(),
        Err(f) if f.code == "VALIDATION" => {
            errors.add("photo", explain(&f));
            profile::render(&visit, &staff, &p, None, errors, None)
        }
        Err(f) => refused(&web, &visit, &f),
    }
}

pub async fn remove(State(web): State<Web>, visit: Visit, Path(id): Path<String>, f: Fields) -> Response {
    let staff = match manager(&web, &visit).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let p = match profile::load(&staff, &id).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(&web, &visit),
        Err(f) => return refused(&web, &visit, &f),
    };
    let photo = f.get("photo");
    if !p.photos.iter().any(|ph| ph.id == photo) {
        return not_found(&web, &visit);
    }
    let ids = p.photos.iter().filter(|ph| ph.id != photo).map(|ph| ph.id.clone()).collect();
    match set_photos(&staff, &p, ids).await {
        Ok(()) => {
            Redirect::to(&format!("/admin/shops/{}?done=photo-removed#photos", page::encode(&id))).into_response()
        }
        Err(f) => refused(&web, &visit, &f),
    }
}
